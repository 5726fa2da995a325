import { GRACE_DAYS, applyPaymentEvent, type PaymentEvent } from "./transition";
import { NO_SUBSCRIPTION, PAYING_STATUSES, type SubscriptionState } from "./state";
import type { SubscriptionChange } from "./notify";

const DAY_MS = 86_400_000;

/** A Pro payment event applied to the user (a `webhook_events` row carrying the user, docs/billing.md). */
export interface AppliedEvent extends PaymentEvent {
  eventId: string;
}

export interface Derived {
  state: SubscriptionState;
  /** What the event `focus` did (its notification), or null when it changed nothing. */
  change: SubscriptionChange | null;
  /** The end of the period each paid payment bought (its credits lot expires then). */
  periodEndOf: Map<string, Date>;
}

/**
 * The subscription as a FUNCTION OF ITS INPUTS' OWN INSTANTS, not of the order they reached us in
 * (docs/billing.md#order-independence) – what makes every delivery order of payments, a cancel and the daily
 * check end in the same state:
 * - the applied Pro payment events, folded in `created_on` order (ties by event id), each as of its own
 *   instant: a payment buys one month from the running period's end or from its own `created_on`; the
 *   3rd consecutive decline starts 7 days of grace from its own `created_on`;
 * - the cancel, recorded with its instant (`cancelled_at`): at that instant a paying subscription is set to
 *   end at its period's end; a payment created after it withdraws it, one created before does not;
 * - time passing: before each input and at the end (`asOf`), the state is settled exactly as the daily
 *   `subscription_check` settles it (./check-job.ts) – cancelled at period end → `cancelled`; a period that
 *   ended without payment → `grace` from the period's end; grace over → `expired`.
 * `asOf` is the later of the writer's clock and the last instant the row was written (`updated_at`, which
 * writers never move back): time never runs backwards for a subscription, so a delivery processed after
 * the daily check cannot undo what the check settled.
 */
export function deriveSubscription(input: {
  events: readonly AppliedEvent[];
  cancelledAt: Date | null;
  asOf: Date;
  focus?: string;
}): Derived {
  const ordered = [...input.events].sort((a, b) => a.createdOn.getTime() - b.createdOn.getTime() || (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  const applied = new Set<string>();
  const periodEndOf = new Map<string, Date>();
  let state: SubscriptionState = NO_SUBSCRIPTION;
  let change: SubscriptionChange | null = null;
  let cancelPending = input.cancelledAt;
  const cancelUpTo = (at: number) => {
    if (cancelPending === null || cancelPending.getTime() > at) return;
    state = settle(state, cancelPending);
    if (PAYING_STATUSES.includes(state.status)) state = { ...state, cancelAtPeriodEnd: true };
    cancelPending = null;
  };
  for (const event of ordered) {
    // A cancel at the same instant as a payment comes after it (the user saw the payment, then cancelled).
    cancelUpTo(event.createdOn.getTime() - 1);
    state = settle(state, event.createdOn);
    const transition = applyPaymentEvent(state, event, event.createdOn, applied.has(event.paymentId));
    if (transition.kind === "none") continue;
    state = transition.next;
    if (transition.kind === "activated" || transition.kind === "renewed") {
      applied.add(event.paymentId);
      if (state.currentPeriodEnd !== null) periodEndOf.set(event.paymentId, state.currentPeriodEnd);
    }
    if (event.eventId === input.focus) change = transition.kind;
  }
  cancelUpTo(Number.POSITIVE_INFINITY);
  return { state: settle(state, input.asOf), change, periodEndOf };
}

/** What the daily check would do to `state` as of `at` (./check-job.ts moves the same rows in SQL). */
export function settle(state: SubscriptionState, at: Date): SubscriptionState {
  const now = at.getTime();
  let next = state;
  const ended = next.currentPeriodEnd !== null && next.currentPeriodEnd.getTime() <= now;
  if (PAYING_STATUSES.includes(next.status) && next.cancelAtPeriodEnd && ended) return { ...next, status: "cancelled" };
  if ((next.status === "active" || next.status === "past_due") && ended && next.currentPeriodEnd !== null) {
    next = { ...next, status: "grace", gracePeriodEnd: new Date(next.currentPeriodEnd.getTime() + GRACE_DAYS * DAY_MS) };
  }
  if (next.status === "grace" && next.gracePeriodEnd !== null && next.gracePeriodEnd.getTime() <= now) next = { ...next, status: "expired" };
  return next;
}
