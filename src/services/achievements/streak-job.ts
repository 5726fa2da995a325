import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";

/**
 * Daily `streak_calculate` (docs/achievements-and-streaks.md): as of run date D (the day that starts at the
 * trigger's scheduled midnight), a streak whose last completion day is before D − 1 was broken yesterday and
 * is reset to 0 – a user who completed something on D − 1 keeps it, since D is still open to them.
 * Set-based: ONE statement whatever the number of users, with the `job_runs` claim for (job, D) in it, so a
 * repeated or late trigger for D resets nothing twice and a failed run records nothing (the next trigger
 * for D runs it again). The longest streak is kept.
 */
export async function calculateStreaks({ ctx, input }: { ctx: ServiceContext; input: { runDate: string } }): Promise<Record<string, unknown>> {
  const { runDate } = input;
  const now = ctx.clock.now().toISOString();
  const result = await ctx.db.execute<{ claimed: boolean; reset: string }>(sql`
    with claim as (
      insert into job_runs (job, run_date, started_at, finished_at, outcome)
      values ('streak_calculate', ${runDate}::date, ${now}::timestamptz, clock_timestamp(), 'success')
      on conflict (job, run_date) do nothing
      returning id
    ),
    reset as (
      update user_achievement_states set current_streak = 0, updated_at = ${now}::timestamptz
      where current_streak > 0 and last_completion_date < ${runDate}::date - 1 and exists (select 1 from claim)
      returning 1
    )
    select exists (select 1 from claim) as claimed, (select count(*) from reset)::text as reset`);
  const row = result.rows[0];
  return { run_date: runDate, claimed: row?.claimed ?? false, streaks_reset: Number(row?.reset ?? 0) };
}
