import { sql } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context";
import { metrics } from "../metrics/recorder";
import { parseResult } from "./operation";

/** How many drifting user ids a log line names (the count is always complete). */
export const DRIFT_IDS_LOGGED = 100;

const auditSchema = z.object({ drift_users: z.number().int().nonnegative(), user_ids: z.array(z.uuid()) });

/**
 * The credit ledger audit (docs/credits.md "Drift", cron `0 0 * * *` after daily_credits): ONE read-only
 * statement, `perpetua_credit_drift()` (migration 0011), finds every user whose lots' `remaining` disagree with
 * their ledger (sum of amounts, or the last `balance_after`) in one snapshot, without locks. Drift is possible:
 * lots are mutable rows the credit functions update next to the append-only ledger, so a bug in one of them,
 * a hand-made fix or a restore can leave the two apart – the functions keep them together, nothing in the
 * schema forces it. The count becomes the gauge `credit_ledger_drift_users` (ops/alerts.yml
 * CreditLedgerDrift); the users are logged at error level. Nothing is repaired (a person looks), so the job
 * changes no data: it is idempotent and safe to run twice or concurrently, and each run sets the gauge anew –
 * a repaired ledger shows 0 at the next run.
 */
export async function auditCreditLedger({ ctx }: { ctx: ServiceContext }): Promise<Record<string, unknown>> {
  const result = await ctx.db.execute<{ result: unknown }>(sql`
    select jsonb_build_object('drift_users', cardinality(audit.users), 'user_ids', to_jsonb(audit.users[1:${DRIFT_IDS_LOGGED}::int])) as result
    from (select perpetua_credit_drift() as users) audit`);
  const audit = parseResult(result, auditSchema);
  metrics.set("credit_ledger_drift_users", {}, audit.drift_users);
  if (audit.drift_users > 0) {
    ctx.log.error("credit invariant drift", { outcome: "drift", drift_users: audit.drift_users, user_ids: audit.user_ids });
  }
  return { drift_users: audit.drift_users };
}
