import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";

const DAY_MS = 86_400_000;

/**
 * Daily retention purge (docs/operations.md "Scheduled jobs"): idempotency keys older than 24 h (kept ≥ 24 h,
 * docs/conventions.md), revoked or long-expired refresh tokens and their sessions after 7 days
 * (docs/identity.md), tombstones past their recovery window or already restored
 * (docs/recovery-and-activity.md), and relayed outbox rows after 7 days. Everything is as of the run's clock
 * – the trigger's scheduled time – so a late or repeated trigger purges what the scheduled day would have.
 *
 * One statement, so one round trip and one transaction: the `job_runs` claim for (job, run date) and the
 * deletes commit together, and every delete is conditioned on the claim having been made by this statement –
 * a duplicate trigger for the same date deletes nothing.
 */
export async function purgeExpired({ ctx, input }: { ctx: ServiceContext; input: { runDate: string } }): Promise<Record<string, unknown>> {
  const { runDate } = input;
  const now = ctx.clock.now();
  const dayAgo = new Date(now.getTime() - DAY_MS).toISOString();
  const weekAgo = new Date(now.getTime() - 7 * DAY_MS).toISOString();
  const result = await ctx.db.execute<Record<string, string | boolean>>(sql`
    with claim as (
      insert into job_runs (job, run_date, started_at, finished_at, outcome)
      values ('purge_expired', ${runDate}::date, ${now.toISOString()}::timestamptz, clock_timestamp(), 'success')
      on conflict (job, run_date) do nothing
      returning id
    ),
    idempotency as (
      delete from idempotency_records
      where created_at < ${dayAgo}::timestamptz and exists (select 1 from claim)
      returning 1
    ),
    sessions as (
      delete from auth_sessions
      where revoked_at < ${weekAgo}::timestamptz and exists (select 1 from claim)
      returning 1
    ),
    tokens as (
      delete from refresh_tokens
      where (revoked_at < ${weekAgo}::timestamptz or expires_at < ${weekAgo}::timestamptz)
        and exists (select 1 from claim)
      returning 1
    ),
    tombstones as (
      delete from deletion_tombstones
      where (expires_at < ${now.toISOString()}::timestamptz or restored_at is not null)
        and exists (select 1 from claim)
      returning 1
    ),
    relayed as (
      delete from outbox
      where sent_at < ${weekAgo}::timestamptz and exists (select 1 from claim)
      returning 1
    )
    select exists (select 1 from claim) as claimed,
           (select count(*) from idempotency)::text as idempotency_records,
           (select count(*) from sessions)::text as auth_sessions,
           (select count(*) from tokens)::text as refresh_tokens,
           (select count(*) from tombstones)::text as deletion_tombstones,
           (select count(*) from relayed)::text as outbox
  `);
  const row = result.rows[0] ?? {};
  return { run_date: runDate, ...row };
}
