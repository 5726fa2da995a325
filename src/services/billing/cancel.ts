import { sql } from "drizzle-orm";
import { ApiError } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { runWrite } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { notificationStatementSql } from "./notify";
import { fingerprintSql, PAYING_STATUSES, presentSubscription, stateOf, subscriptionStatement, type SubscriptionView } from "./state";

/**
 * `POST /subscription/cancel` (docs/billing.md#cancellation): cancel at period end – `cancel_at_period_end`
 * true, the user stays Pro until `current_period_end`, then the daily `subscription_check` ends it. Idempotent:
 * a subscription already cancelling, or none to cancel, answers its state unchanged. Two round trips: the
 * state, then one batch – the user's row locked, a guard that the subscription did not change since it was
 * read (else the write re-runs on fresh reads, e.g. against a webhook renewing it), the update and a
 * `subscription` notification.
 */
export function cancelSubscription({ ctx }: { ctx: ServiceContext }): Promise<SubscriptionView> {
  const userId = requireUserId(ctx);
  return runWrite(ctx, { operation: "subscription.cancel" }, async (unit) => {
    const found = unit.read(subscriptionStatement(ctx, userId));
    await unit.load();
    const row = found.result.rows[0];
    if (row === undefined) throw new ApiError("UNAUTHORIZED");
    const state = stateOf(row);
    if (!PAYING_STATUSES.includes(state.status) || state.cancelAtPeriodEnd) return presentSubscription(row.tier, state);
    const now = ctx.clock.now();
    unit.writeAll([
      ctx.db.execute(sql`select 1 from users where id = ${userId} for no key update`),
      ctx.db.execute(sql`select ${guard("STATE_MOVED", sql`${fingerprintSql(userId)} is not distinct from ${row.fingerprint}`)}`),
      ctx.db.execute(sql`
        update subscriptions set cancel_at_period_end = true, cancelled_at = ${now.toISOString()}::timestamptz, updated_at = ${now.toISOString()}::timestamptz
        where user_id = ${userId}`),
      ctx.db.execute(notificationStatementSql(userId, "cancel_scheduled", state.status, now, sql`true`)),
    ]);
    return presentSubscription(row.tier, { ...state, cancelAtPeriodEnd: true });
  });
}
