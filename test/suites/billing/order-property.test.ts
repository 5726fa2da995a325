import { describe, expect, it, vi } from "vitest";
import { DAILY } from "../../../cron";
import { deriveSubscription, type AppliedEvent } from "../../../src/services/billing/derive";
import { addMonths } from "../../../src/services/billing/transition";
import { clientAt, newClient, type TestClient } from "../../support/factories";
import { runOnly, worker } from "../../support/scheduled";
import { rows, sql, testDb } from "../platform/database";
import { DAY_MS, deliver, paymentEvent, proSession, subscriptionRow, type Session } from "./support";

/**
 * Order independence (docs/billing.md#order-independence), as a property over EVERY permutation (all 720) of
 * a realistic sequence of six inputs of one subscription:
 *   1. the first payment captured (t1)            4. the renewal captured after them (t1 + 1 month − 12 h)
 *   2. a renewal attempt declined (− 2 days)       5. the user's cancel (t1 + 1 month + 5 days)
 *   3. another declined (− 1 day)                  6. the daily subscription_check at T (t1 + 71 days)
 * Every input carries its own instant – a webhook its `created_on` (and is processed with the clock at it),
 * the cancel its request instant, the check its scheduled time – and the ORDER in which they reach us is
 * permuted. The rule that makes the outcome order-independent: the subscription is derived from its inputs'
 * own instants (services/billing/derive.ts) – payments folded by `created_on`, the cancel with its instant, and
 * settled as of the later of the writer's clock and the last instant the row was written (so a delivery
 * processed after the check re-derives as of T and cannot undo it). Expected in every order: the two payments
 * bought two months, the cancel ended the subscription at the second month's end: `cancelled`, tier free.
 *
 * Against the real Worker and PostgreSQL: one user per permutation, permutations run in parallel batches.
 * subscription_check acts on every user and is claimed per run date, so each permutation lives in its own
 * window, one day after the previous one (2003–2005: no other file's subscriptions are due then, and each T
 * is a run date of its own). A check of one permutation may settle another's half-delivered subscription –
 * that is the same rule at work and must not change any outcome.
 */
type Step = "captured_first" | "declined_a" | "declined_b" | "captured_renewal" | "cancel" | "period_end";
const STEPS: readonly Step[] = ["captured_first", "declined_a", "declined_b", "captured_renewal", "cancel", "period_end"];
const WINDOW_START = Date.parse("2003-01-10T09:00:00.000Z");
const PARALLEL = 16;
const HOUR_MS = 3_600_000;

function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) => permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((rest) => [item, ...rest]));
}

interface Plan {
  t1: number;
  events: Record<Exclude<Step, "cancel" | "period_end">, { id: string; paymentId: string; type: string; at: number }>;
  cancelAt: number;
  checkAt: number;
}

function plan(index: number): Plan {
  const t1 = WINDOW_START + index * DAY_MS;
  const month = addMonths(new Date(t1), 1).getTime();
  const unique = () => crypto.randomUUID().replace(/-/g, "");
  const event = (type: string, at: number) => ({ id: `evt_${unique()}`, paymentId: `pay_${unique()}`, type, at });
  return {
    t1,
    events: {
      captured_first: event("payment_captured", t1),
      declined_a: event("payment_declined", month - 2 * DAY_MS),
      declined_b: event("payment_declined", month - DAY_MS),
      captured_renewal: event("payment_captured", month - 12 * HOUR_MS),
    },
    cancelAt: month + 5 * DAY_MS,
    checkAt: Math.floor((t1 + 71 * DAY_MS) / DAY_MS) * DAY_MS,
  };
}

/** Checkout.com resends on a non-2xx answer; so does this (a guard may lose to a concurrent check). */
async function retried(send: () => Promise<Response>): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    const response = await send();
    const text = await response.text();
    if (response.status === 200) return;
    if (attempt >= 5 || response.status !== 503) throw new Error(`answered ${response.status}: ${text}`);
  }
}

async function runCheck(at: number): Promise<void> {
  const runDate = new Date(at).toISOString().slice(0, 10);
  for (let attempt = 1; attempt <= 3; attempt += 1) {
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date(at) });
    const claimed = await rows(testDb("billing"), sql`select 1 from job_runs where job = 'subscription_check' and run_date = ${runDate}::date`);
    if (claimed.length === 1) return;
  }
  throw new Error(`subscription_check for ${runDate} never completed`);
}

async function play(client: TestClient, session: Session, steps: readonly Step[], p: Plan): Promise<void> {
  for (const step of steps) {
    if (step === "period_end") await runCheck(p.checkAt);
    else if (step === "cancel") {
      const at = await clientAt(client, new Date(p.cancelAt).toISOString());
      await retried(() => at.request("POST", "/subscription/cancel"));
    } else {
      const spec = p.events[step];
      const { body } = paymentEvent(session, { type: spec.type, id: spec.id, paymentId: spec.paymentId, createdOn: new Date(spec.at) });
      await retried(() => deliver(body, { at: new Date(spec.at) }));
    }
  }
}

async function finalState(userId: string) {
  const row = await subscriptionRow(userId);
  const lots = await rows<{ source: string; amount: number }>(
    testDb("billing"),
    sql`select source, amount from credit_lots where user_id = ${userId} and kind = 'subscription' order by source, amount`,
  );
  return { ...row, checkout_last_payment_id: undefined, checkout_session_id: undefined, lots };
}

describe("order independence (property, exhaustive, real webhooks, cancel and daily check)", () => {
  runOnly(DAILY, ["subscription_check"]);

  it("all 720 orders of capture, decline, decline, renewal capture, cancel and period end end in the same state", { timeout: 180_000 }, async () => {
    const orders = permutations(STEPS);
    expect(orders).toHaveLength(720);
    // Some 6,000 requests: their log lines would cost more than the requests (restored below).
    const silenced = (["log", "error"] as const).map((method) => vi.spyOn(console, method).mockImplementation(() => undefined));
    const finals: { order: string; state: unknown; expected: unknown }[] = [];
    for (let start = 0; start < orders.length; start += PARALLEL) {
      const batch = orders.slice(start, start + PARALLEL);
      await Promise.all(
        batch.map(async (order, offset) => {
          const index = start + offset;
          const p = plan(index);
          const client = await newClient();
          // The checkout a day before the first payment, as of then (each input as of its own instant).
          const session = await proSession(await clientAt(client, new Date(p.t1 - DAY_MS).toISOString()));
          await play(client, session, order, p);
          const secondEnd = addMonths(addMonths(new Date(p.t1), 1), 1).toISOString();
          finals.push({
            order: order.join(","),
            state: await finalState(client.userId),
            expected: {
              status: "cancelled",
              tier: "free",
              current_period_end: secondEnd,
              grace_period_end: null,
              cancel_at_period_end: true,
              failed_payment_count: 0,
              checkout_last_payment_id: undefined,
              checkout_session_id: undefined,
              lots: [
                { source: "carryover", amount: 50 },
                { source: "subscription_period", amount: 100 },
                { source: "subscription_period", amount: 100 },
              ],
            },
          });
        }),
      );
    }
    for (const spy of silenced) spy.mockRestore();
    const wrong = finals.filter(({ state, expected }) => JSON.stringify(normalise(state)) !== JSON.stringify(normalise(expected)));
    expect(wrong.slice(0, 3)).toEqual([]);
    expect(finals).toHaveLength(720);
  });
});

/** Timestamps as instants (PostgreSQL's text form vs ISO), keys sorted: a comparable form. */
function normalise(value: unknown): unknown {
  if (typeof value === "string" && /^\d{4}-\d{2}-\d{2}[ T]/.test(value)) return new Date(value.replace(" ", "T").replace(/\+00$/, "Z")).toISOString();
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, inner]) => [key, normalise(inner)]));
  }
  return value;
}

describe("the derivation itself (pure, exhaustive)", () => {
  it("every order of the same payment events and cancel derives the same state", () => {
    const t1 = Date.parse("2026-03-01T10:00:00.000Z");
    const month = addMonths(new Date(t1), 1).getTime();
    const events: AppliedEvent[] = [
      { eventId: "evt_approved_1", outcome: "paid", paymentId: "pay_1", createdOn: new Date(t1) },
      { eventId: "evt_captured_1", outcome: "paid", paymentId: "pay_1", createdOn: new Date(t1 + 60_000) },
      { eventId: "evt_declined_a", outcome: "declined", paymentId: "pay_2", createdOn: new Date(month - 2 * DAY_MS) },
      { eventId: "evt_declined_b", outcome: "declined", paymentId: "pay_3", createdOn: new Date(month - DAY_MS) },
      { eventId: "evt_captured_2", outcome: "paid", paymentId: "pay_4", createdOn: new Date(month - HOUR_MS) },
    ];
    const asOf = new Date(month + 10 * DAY_MS);
    const results = permutations(events).map((order) => deriveSubscription({ events: order, cancelledAt: new Date(month + 5 * DAY_MS), asOf }).state);
    expect(results).toHaveLength(120);
    for (const state of results) {
      expect(state).toMatchObject({ status: "active", cancelAtPeriodEnd: true, failedPaymentCount: 0, currentPeriodEnd: addMonths(new Date(month), 1) });
    }
  });

  it("after a payment, three declines → grace for 7 days from the third decline", () => {
    const t1 = Date.parse("2026-03-01T10:00:00.000Z");
    const at = (days: number) => new Date(t1 + days * DAY_MS);
    const { state } = deriveSubscription({
      events: [
        { eventId: "e1", outcome: "paid", paymentId: "p1", createdOn: at(0) },
        { eventId: "e2", outcome: "declined", paymentId: "p2", createdOn: at(20) },
        { eventId: "e3", outcome: "declined", paymentId: "p3", createdOn: at(21) },
        { eventId: "e4", outcome: "declined", paymentId: "p4", createdOn: at(22) },
      ],
      cancelledAt: null,
      asOf: at(23),
    });
    expect(state).toMatchObject({ status: "grace", failedPaymentCount: 3, gracePeriodEnd: at(29) });
  });
});
