import { sql } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context";
import { parseResult } from "./operation";

const outcomeSchema = z.union([
  z.object({ claimed: z.literal(false) }),
  z.object({
    claimed: z.literal(true),
    expired_lots: z.number().int(),
    expired_credits: z.number().int(),
    granted_lots: z.number().int(),
    granted_credits: z.number().int(),
  }),
]);
const driftSchema = z.array(z.uuid());

/** How many drifting user ids a log line names (the count is always complete). */
const DRIFT_IDS_LOGGED = 100;

/**
 * The daily credit job (docs/credits.md, cron `0 0 * * *`), as of the run's clock – the trigger's scheduled
 * time, in TWO statements whatever the number of users. First `perpetua_daily_credits` (migration 0011)
 * claims (daily_credits, run date) in `job_runs`, expires the daily lots due by then and grants the day's
 * daily lots (Pro PRO_DAILY_CREDITS plus daily_ai_credits perks, reference `daily:<run date>`), holding the
 * row locks of the users it touches only for that. Then, read-only and lock-free, `perpetua_credit_drift()`
 * audits the invariant for every user – in its own round trip, so a consumption at 00:00 never waits for an
 * audit of the whole ledger. A repeated or late trigger for the same date does nothing. Drift is logged at
 * error level with the users concerned and left as it is – a person looks at it; the job repairs nothing.
 */
export async function runDailyCredits({ ctx, input }: { ctx: ServiceContext; input: { runDate: string } }): Promise<Record<string, unknown>> {
  const { runDate } = input;
  const result = await ctx.db.execute<{ result: unknown }>(sql`
    select perpetua_daily_credits(${runDate}::date, ${ctx.clock.now().toISOString()}::timestamptz,
      ${ctx.config.PRO_DAILY_CREDITS}::int, ${ctx.requestId.slice(0, 128)}) as result`);
  const outcome = parseResult(result, outcomeSchema);
  if (!outcome.claimed) return { run_date: runDate, claimed: false };
  const drift = parseResult(await ctx.db.execute<{ result: unknown }>(sql`select to_jsonb(perpetua_credit_drift()) as result`), driftSchema);
  if (drift.length > 0) {
    ctx.log.error("credit invariant drift", { outcome: "drift", run_date: runDate, drift_users: drift.length, user_ids: drift.slice(0, DRIFT_IDS_LOGGED) });
  }
  return { run_date: runDate, ...outcome, drift_users: drift.length };
}
