import { sql } from "drizzle-orm";
import { ApiError } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { runWrite } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { iso } from "../tasks/present";
import { deriveSubscription } from "./derive";
import { notificationStatementSql } from "./notify";
import { appliedEventOf, appliedEventsStatement, persistDerived, settleInstant } from "./persist";
import { PAYING_STATUSES, presentSubscription, stateOf, subscriptionStatement, type SubscriptionRow, type SubscriptionView } from "./state";

/**
 * `POST /subscription/cancel` (docs/billing.md#cancellation): cancel at period end – `cancel_at_period_end`
 * true, the user stays Pro until `current_period_end`, then the daily `subscription_check` ends it. The cancel
 * is RECORDED WITH ITS INSTANT (`cancelled_at`) and the subscription re-derived from it and the applied
 * payment events (./derive.ts), so its outcome does not depend on whether a payment made before it is
 * delivered before or after it (docs/billing.md#order-independence). A user whose first payment is not
 * confirmed yet (status `none` after a checkout) has the cancel recorded too: that payment, when it arrives,
 * buys its period and ends there. Idempotent: a subscription already cancelling, a cancel already recorded,
 * or nothing to cancel answers the state unchanged. Two round trips: the state and the applied events, then
 * one batch – the user's row locked, a guard that the subscription did not change since it was read (else
 * the write re-runs on fresh reads, e.g. against a webhook renewing it), the row and a notification.
 */
export function cancelSubscription({ ctx }: { ctx: ServiceContext }): Promise<SubscriptionView> {
  const userId = requireUserId(ctx);
  return runWrite(ctx, { operation: "subscription.cancel" }, async (unit) => {
    const found = unit.read(ctx.db.execute<SubscriptionRow & { cancelled_at: string | null; updated_at: string | null }>(sql`
      with base as (${subscriptionStatement(ctx, userId).getSQL()})
      select base.*, s.cancelled_at::text, s.updated_at::text from base left join subscriptions s on s.user_id = ${userId}`));
    const applied = unit.read(appliedEventsStatement(ctx, userId));
    await unit.load();
    const row = found.result.rows[0];
    if (row === undefined) throw new ApiError("UNAUTHORIZED");
    const now = ctx.clock.now();
    const events = applied.result.rows.map(appliedEventOf);
    const recorded = row.cancelled_at === null ? null : new Date(iso(row.cancelled_at));
    // Whether there is something to cancel is decided as of the cancel's own instant (a check that already
    // settled the row later in time must not swallow a cancel made while the user was still paying).
    const state = events.length === 0 ? stateOf(row) : deriveSubscription({ events, cancelledAt: recorded, asOf: now }).state;
    const paying = PAYING_STATUSES.includes(state.status);
    const pendingFirstPayment = row.status === "none" && row.cancelled_at === null;
    if (state.cancelAtPeriodEnd || !(paying || pendingFirstPayment)) return presentSubscription(row.tier, stateOf(row));
    const asOf = settleInstant(now, row);
    // A paying row without applied events (written before checkout sessions were stored): cancel it as it is.
    const derived = events.length === 0 && paying ? { state: { ...state, cancelAtPeriodEnd: true } } : deriveSubscription({ events, cancelledAt: now, asOf });
    unit.writeAll([
      ctx.db.execute(sql`select 1 from users where id = ${userId} for no key update`),
      ...persistDerived(ctx, { userId, fingerprint: row.fingerprint, state: derived.state, cancelledAt: now, asOf, mine: sql`true` }),
    ]);
    if (paying) unit.write(ctx.db.execute(notificationStatementSql(userId, "cancel_scheduled", derived.state.status, now, sql`true`)));
    return presentSubscription(PAYING_STATUSES.includes(derived.state.status) ? "pro" : "free", derived.state);
  });
}
