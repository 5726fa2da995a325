import { describe, expect, it } from "vitest";
import { NO_SUBSCRIPTION, type SubscriptionState } from "../../../src/services/billing/state";
import { addMonths, applyPaymentEvent, type PaymentEvent } from "../../../src/services/billing/transition";

/**
 * Order independence of the webhook's state machine (services/billing/transition.ts, the function the webhook
 * applies): EVERY permutation (all 720) of a realistic sequence of six Pro payment events – approved and
 * captured of the first payment, two declines of the renewal, the renewal captured, and a resend of that
 * capture – ends in the same state. The webhook's own bookkeeping is modelled as it is stored: an event id
 * is applied once (webhook_events), a payment buys one period once (its credits lot `subscription:<payment>`).
 * Cancellation and period end are not webhook events (a user request, the daily job) and are not permuted here.
 */
interface Delivery {
  eventId: string;
  event: PaymentEvent;
}

const t0 = Date.parse("2026-03-01T10:00:00.000Z");
const at = (minutes: number) => new Date(t0 + minutes * 60_000);
const SEQUENCE: Delivery[] = [
  { eventId: "evt_approved_1", event: { outcome: "paid", paymentId: "pay_1", createdOn: at(0) } },
  { eventId: "evt_captured_1", event: { outcome: "paid", paymentId: "pay_1", createdOn: at(1) } },
  { eventId: "evt_declined_a", event: { outcome: "declined", paymentId: "pay_2", createdOn: at(60) } },
  { eventId: "evt_declined_b", event: { outcome: "declined", paymentId: "pay_3", createdOn: at(120) } },
  { eventId: "evt_captured_2", event: { outcome: "paid", paymentId: "pay_4", createdOn: at(180) } },
  { eventId: "evt_captured_2", event: { outcome: "paid", paymentId: "pay_4", createdOn: at(180) } },
];

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

/** Runs deliveries as the webhook does; all are processed at one instant (the webhook's clock). */
function run(deliveries: readonly Delivery[], now: Date): SubscriptionState {
  const seenEvents = new Set<string>();
  const appliedPayments = new Set<string>();
  let state = NO_SUBSCRIPTION;
  for (const { eventId, event } of deliveries) {
    if (seenEvents.has(eventId)) continue;
    seenEvents.add(eventId);
    const transition = applyPaymentEvent(state, event, now, appliedPayments.has(event.paymentId));
    if (transition.kind === "none") continue;
    if (transition.kind === "activated" || transition.kind === "renewed") appliedPayments.add(event.paymentId);
    state = transition.next;
  }
  return state;
}

/** The state without `lastPaymentId`, which only points at whichever payment was applied last. */
const comparable = ({ lastPaymentId: _last, ...rest }: SubscriptionState) => rest;

describe("webhook order independence (property, exhaustive)", () => {
  it("all 720 orders of six payment events end in the same state: active, two paid months, no failures", () => {
    const now = at(200);
    const orders = permutations(SEQUENCE);
    expect(orders).toHaveLength(720);
    const finals = orders.map((order) => comparable(run(order, now)));
    const expected = {
      status: "active",
      currentPeriodStart: addMonths(now, 1),
      currentPeriodEnd: addMonths(now, 2),
      gracePeriodEnd: null,
      cancelAtPeriodEnd: false,
      failedPaymentCount: 0,
      lastEventCreatedOn: at(180),
    };
    for (const final of finals) expect(final).toEqual(expected);
  });

  it("after a payment, three declines → grace for 7 days", () => {
    const now = at(300);
    const declines: Delivery[] = [
      { eventId: "evt_paid", event: { outcome: "paid", paymentId: "pay_1", createdOn: at(0) } },
      { eventId: "evt_d1", event: { outcome: "declined", paymentId: "pay_2", createdOn: at(100) } },
      { eventId: "evt_d2", event: { outcome: "declined", paymentId: "pay_3", createdOn: at(200) } },
    ];
    const last: Delivery = { eventId: "evt_d3", event: { outcome: "declined", paymentId: "pay_4", createdOn: at(250) } };
    const state = run([...declines, last], now);
    expect(state).toMatchObject({ status: "grace", failedPaymentCount: 3 });
    expect(state.gracePeriodEnd?.getTime()).toBe(now.getTime() + 7 * 86_400_000);
  });
});
