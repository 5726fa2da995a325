import type { SubscriptionState } from "./state";

/** Declined payments in a row after which the subscription enters grace (SPEC §10). */
export const FAILURES_BEFORE_GRACE = 3;
export const GRACE_DAYS = 7;
const DAY_MS = 86_400_000;

/** A payment event of the Pro plan, as the webhook resolved it (services/billing/webhook.ts). */
export interface PaymentEvent {
  outcome: "paid" | "declined";
  paymentId: string;
  /** The provider's event time (`created_on`, or `timestamp` in older payloads): the order of events. */
  createdOn: Date;
}

export type Transition =
  | { kind: "none"; reason: "stale_event" | "payment_already_applied" | "no_subscription_to_retry" }
  | { kind: "activated" | "renewed"; next: SubscriptionState }
  | { kind: "past_due" | "grace"; next: SubscriptionState };

/**
 * What a Pro payment event does to a subscription (docs/billing.md#webhooks) – pure, so the webhook, its
 * tests and the order-independence property agree on one function. `paymentApplied`: this payment already
 * bought a period (its credits lot exists – approved, then captured, is one payment).
 * - Paid (`payment_captured` / `payment_approved`), a payment not applied yet: one more month – from the
 *   current period's end while it runs (a renewal paid early never loses days), from now otherwise. Money is
 *   never lost to ordering: a payment arriving after a newer event still extends the period.
 * - The status follows the NEWEST event only: an event older than the newest one applied (by `created_on`)
 *   does not move the status back (a late decline after a capture changes nothing; a late capture after a
 *   decline extends the period but the decline's status stands until a newer payment).
 * - A paid event as the newest: `active`, failures reset, a pending cancellation withdrawn (the user paid).
 * - Declined on a paying subscription as the newest: `past_due` and the count + 1; the 3rd consecutive
 *   failure starts `grace` for 7 days (a grace already running keeps its end). A declined first checkout has
 *   no subscription to retry: nothing changes.
 */
export function applyPaymentEvent(state: SubscriptionState, event: PaymentEvent, now: Date, paymentApplied: boolean): Transition {
  const stale = state.lastEventCreatedOn !== null && event.createdOn.getTime() < state.lastEventCreatedOn.getTime();
  if (event.outcome === "paid") {
    if (paymentApplied || state.lastPaymentId === event.paymentId) return { kind: "none", reason: "payment_already_applied" };
    const running = state.currentPeriodEnd !== null && state.currentPeriodEnd.getTime() > now.getTime() && state.status !== "expired" && state.status !== "none";
    const start = running && state.currentPeriodEnd !== null ? state.currentPeriodEnd : now;
    const renewal = state.status === "active" || state.status === "past_due" || state.status === "grace";
    const period = { currentPeriodStart: start, currentPeriodEnd: addMonths(start, 1), lastPaymentId: event.paymentId };
    if (stale && renewal) return { kind: "renewed", next: { ...state, ...period } };
    return {
      kind: renewal ? "renewed" : "activated",
      next: {
        ...period,
        status: "active",
        gracePeriodEnd: null,
        cancelAtPeriodEnd: false,
        failedPaymentCount: 0,
        lastEventCreatedOn: stale ? state.lastEventCreatedOn : event.createdOn,
      },
    };
  }
  if (stale) return { kind: "none", reason: "stale_event" };
  if (state.status !== "active" && state.status !== "past_due" && state.status !== "grace") return { kind: "none", reason: "no_subscription_to_retry" };
  const failures = state.failedPaymentCount + 1;
  const grace = failures >= FAILURES_BEFORE_GRACE;
  return {
    kind: grace ? "grace" : "past_due",
    next: {
      ...state,
      status: grace ? "grace" : "past_due",
      gracePeriodEnd: grace ? (state.gracePeriodEnd ?? new Date(now.getTime() + GRACE_DAYS * DAY_MS)) : state.gracePeriodEnd,
      failedPaymentCount: failures,
      lastEventCreatedOn: event.createdOn,
    },
  };
}

/** The same instant `months` calendar months later (UTC), clamped to the month's last day (Jan 31 → Feb 28). */
export function addMonths(at: Date, months: number): Date {
  const result = new Date(at.getTime());
  const day = result.getUTCDate();
  result.setUTCDate(1);
  result.setUTCMonth(result.getUTCMonth() + months);
  const last = new Date(Date.UTC(result.getUTCFullYear(), result.getUTCMonth() + 1, 0)).getUTCDate();
  result.setUTCDate(Math.min(day, last));
  return result;
}
