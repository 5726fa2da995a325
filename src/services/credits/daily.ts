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

/**
 * The daily credit job (docs/credits.md, cron `0 0 * * *`), as of the run's clock – the trigger's scheduled
 * time, in ONE statement whatever the number of users: `perpetua_daily_credits` (migration 0011) claims
 * (daily_credits, run date) in `job_runs`, expires the daily lots due by then and grants the day's daily lots
 * (Pro PRO_DAILY_CREDITS plus daily_ai_credits perks, reference `daily:<run date>`), holding the row locks of
 * the users it touches only for that. A repeated or late trigger for the same date does nothing. The
 * invariant audit is the next job of the trigger, credit_drift_audit (drift-audit.ts): its own round trip
 * without locks, so a consumption at 00:00 never waits for an audit of the whole ledger.
 */
export async function runDailyCredits({ ctx, input }: { ctx: ServiceContext; input: { runDate: string } }): Promise<Record<string, unknown>> {
  const { runDate } = input;
  const result = await ctx.db.execute<{ result: unknown }>(sql`
    select perpetua_daily_credits(${runDate}::date, ${ctx.clock.now().toISOString()}::timestamptz,
      ${ctx.config.PRO_DAILY_CREDITS}::int, ${ctx.requestId.slice(0, 128)}) as result`);
  const outcome = parseResult(result, outcomeSchema);
  if (!outcome.claimed) return { run_date: runDate, claimed: false };
  return { run_date: runDate, ...outcome };
}
