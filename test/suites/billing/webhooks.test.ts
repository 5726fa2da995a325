import { describe, expect, it } from "vitest";
import { consumeCreditsNow } from "../../../src/services/credits/consume";
import { errorOf, expectData, newClient, type TestClient } from "../../support/factories";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { contextAt, ledgerOf, lotsOf } from "../credits/support";
import {
  DAY_MS,
  deliver,
  deliverOk,
  packSession,
  paymentEvent,
  proSession,
  sign,
  storedEvents,
  subscriptionNotifications,
  subscriptionRow,
  tierOf,
  type Session,
} from "./support";

/**
 * `POST /webhooks/checkout` with real signatures (docs/billing.md#webhooks): verification before parsing,
 * idempotency by event id, ordering by created_on, Pro activation and renewal with the carry-over rule,
 * declines and grace, credit packs, and events that must not be applied.
 */
interface SubscriptionJson {
  tier: string;
  status: string;
  current_period_end: string | null;
  grace_period_end: string | null;
  cancel_at_period_end: boolean;
}
interface LimitsJson {
  tier: string;
  limits: { max_subtasks: number; max_tasks: number | null };
}
interface BalanceJson {
  total: number;
  by_kind: { daily: number; subscription: number; purchased: number; kickstart: number };
}

const subscriptionOf = async (client: TestClient) => expectData<SubscriptionJson>(await client.request("GET", "/subscription"));
const balanceOf = async (client: TestClient) => expectData<BalanceJson>(await client.request("GET", "/credits"));

/** A fresh user with a Pro checkout session, and a base instant for the events' times. */
async function subscriber(): Promise<{ client: TestClient; session: Session; base: number }> {
  const client = await newClient();
  const session = await proSession(client);
  return { client, session, base: Date.now() };
}

describe("signature", () => {
  it("a missing, wrong or re-encoded-body signature → 400 INVALID_SIGNATURE and nothing changes", async () => {
    const { client, session, base } = await subscriber();
    const event = paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) });
    const signature = await sign(event.body);
    const reencoded = JSON.stringify(JSON.parse(event.body), null, 2);
    const attempts = [
      await deliver(event.body, { signature: null }),
      await deliver(event.body, { signature: "00".repeat(32) }),
      await deliver(event.body, { signature: "not hex" }),
      await deliver(event.body, { signature: (await sign(`${event.body} `)).toUpperCase() }),
      await deliver(reencoded, { signature }),
    ];
    for (const response of attempts) expect(await errorOf(response)).toMatchObject({ status: 400, code: "INVALID_SIGNATURE" });
    expect(await storedEvents(event.id)).toEqual([]);
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "none", tier: "free" });
    expect((await balanceOf(client)).total).toBe(5);
    // The genuine delivery afterwards is applied.
    await deliverOk(event.body);
    expect((await subscriptionOf(client)).status).toBe("active");
  });

  it("needs no bearer token and no Idempotency-Key", async () => {
    const { session, base } = await subscriber();
    const event = paymentEvent(session, { type: "some_future_event", createdOn: new Date(base) });
    const response = await deliver(event.body);
    expect(await expectData(response)).toEqual({ received: true });
  });
});

describe("payment_captured for Pro", () => {
  it("→ Pro at once: status active for a month, 100 subscription credits, limits raised, a notification", async () => {
    const { client, session, base } = await subscriber();
    const before = await expectData<LimitsJson>(await client.request("GET", "/users/me/limits"));
    expect(before).toMatchObject({ tier: "free", limits: { max_subtasks: 4 } });
    const at = new Date(base);
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: at }).body, at);
    const subscription = await subscriptionOf(client);
    expect(subscription).toMatchObject({ tier: "pro", status: "active", grace_period_end: null, cancel_at_period_end: false });
    const end = new Date(at);
    end.setUTCMonth(end.getUTCMonth() + 1);
    // Same day of the next month (or its last day).
    expect(subscription.current_period_end?.slice(0, 7)).toBe(end.toISOString().slice(0, 7));
    expect(await balanceOf(client)).toMatchObject({ total: 105, by_kind: { subscription: 100, kickstart: 5 } });
    const after = await expectData<LimitsJson>(await client.request("GET", "/users/me/limits"));
    expect(after).toMatchObject({ tier: "pro", limits: { max_subtasks: 10 } });
    expect((await subscriptionNotifications(client.userId)).map((n) => n.data)).toEqual([{ change: "activated", status: "active" }]);
  });

  it("older payloads with `timestamp` instead of `created_on` are accepted", async () => {
    const { client, session, base } = await subscriber();
    await deliverOk(paymentEvent(session, { type: "payment_approved", createdOn: new Date(base), legacyTimestamp: true }).body);
    expect((await subscriptionOf(client)).status).toBe("active");
  });

  it("the same event 10 times in parallel → one effect, every delivery 200", async () => {
    const { client, session, base } = await subscriber();
    const event = paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) });
    const signature = await sign(event.body);
    const responses = await Promise.all(Array.from({ length: 10 }, () => deliver(event.body, { signature })));
    expect(responses.map((response) => response.status)).toEqual(Array.from({ length: 10 }, () => 200));
    expect(await storedEvents(event.id)).toHaveLength(1);
    expect((await lotsOf(client.userId)).filter((lot) => lot.kind === "subscription")).toHaveLength(1);
    expect((await balanceOf(client)).by_kind.subscription).toBe(100);
    expect(await subscriptionNotifications(client.userId)).toHaveLength(1);
    // And replayed later: still one.
    await deliverOk(event.body);
    expect((await balanceOf(client)).by_kind.subscription).toBe(100);
  });

  it("approved then captured for the same payment → one period, one grant", async () => {
    const { client, session, base } = await subscriber();
    const paymentId = `pay_${crypto.randomUUID().replace(/-/g, "")}`;
    await deliverOk(paymentEvent(session, { type: "payment_approved", paymentId, createdOn: new Date(base) }).body);
    const first = await subscriptionOf(client);
    await deliverOk(paymentEvent(session, { type: "payment_captured", paymentId, createdOn: new Date(base + 1000) }).body);
    expect(await subscriptionOf(client)).toEqual(first);
    expect((await balanceOf(client)).by_kind.subscription).toBe(100);
  });

  it("approved and captured of one payment delivered at the same moment → one period, one grant", async () => {
    const { client, session, base } = await subscriber();
    const paymentId = `pay_${crypto.randomUUID().replace(/-/g, "")}`;
    const events = [
      paymentEvent(session, { type: "payment_approved", paymentId, createdOn: new Date(base) }),
      paymentEvent(session, { type: "payment_captured", paymentId, createdOn: new Date(base + 1000) }),
    ];
    const at = new Date(base + 2000);
    await Promise.all(events.map((event) => deliverOk(event.body, at)));
    const subscription = await subscriptionOf(client);
    // The month runs from the payment's first event (its own instant), not from when it was processed.
    const end = new Date(base);
    end.setUTCMonth(end.getUTCMonth() + 1);
    expect(subscription.current_period_end).toBe(end.toISOString());
    expect((await balanceOf(client)).by_kind.subscription).toBe(100);
    expect(await subscriptionNotifications(client.userId)).toHaveLength(1);
  });

  it("a webhook costs two database round trips", async () => {
    const { session, base } = await subscriber();
    const requestId = newRequestId("webhook-trips");
    const response = await deliver(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) }).body, { requestId });
    expect(response.status).toBe(200);
    expect(await roundTrips(requestId)).toBe(2);
  });

  it("renewal after unused credits → at most 50 carried over, the rest expired in the ledger", async () => {
    const { client, session, base } = await subscriber();
    const start = new Date(base);
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: start }).body, start);
    // 20 of the 100 used: 80 unused at renewal.
    const renewalAt = new Date(base + 20 * DAY_MS);
    await consumeCreditsNow({ ctx: contextAt(client.userId, new Date(base + DAY_MS)), input: { userId: client.userId, amount: 20, reason: "ai_chat", reference: crypto.randomUUID() } });
    const firstEnd = (await subscriptionOf(client)).current_period_end;
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: renewalAt }).body, renewalAt);
    const renewed = await subscriptionOf(client);
    expect(renewed.status).toBe("active");
    // Paid early: the new month starts where the old one ends.
    const expectedEnd = new Date(firstEnd ?? "");
    expectedEnd.setUTCMonth(expectedEnd.getUTCMonth() + 1);
    expect(renewed.current_period_end?.slice(0, 7)).toBe(expectedEnd.toISOString().slice(0, 7));
    expect(await balanceOf(client)).toMatchObject({ total: 155, by_kind: { subscription: 150, kickstart: 5 } });
    const renewal = (await ledgerOf(client.userId)).slice(-3);
    expect(renewal.map(({ kind, amount, balance_after, reason }) => ({ kind, amount, balance_after, reason }))).toEqual([
      { kind: "expire", amount: -80, balance_after: 5, reason: "subscription_renewal" },
      { kind: "carryover", amount: 50, balance_after: 55, reason: "subscription_carryover" },
      { kind: "grant", amount: 100, balance_after: 155, reason: "subscription_period" },
    ]);
    // The invariant: lots' remaining = the last balance_after = the sum of the ledger.
    const lots = await lotsOf(client.userId);
    const ledger = await ledgerOf(client.userId);
    expect(lots.reduce((sum, lot) => sum + lot.remaining, 0)).toBe(155);
    expect(ledger.reduce((sum, entry) => sum + entry.amount, 0)).toBe(155);
    expect((await subscriptionNotifications(client.userId)).map((n) => n.data.change)).toEqual(["activated", "renewed"]);
  });

  it("renewal with fewer than 50 unused → all of them carried", async () => {
    const { client, session, base } = await subscriber();
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) }).body, new Date(base));
    await consumeCreditsNow({ ctx: contextAt(client.userId, new Date(base + DAY_MS)), input: { userId: client.userId, amount: 70, reason: "ai_chat", reference: crypto.randomUUID() } });
    const at = new Date(base + 25 * DAY_MS);
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: at }).body, at);
    expect((await balanceOf(client)).by_kind.subscription).toBe(130);
  });
});

describe("declines and order", () => {
  it("a declined → captured pair ends in the same state in both orders", async () => {
    const states = [];
    for (const order of ["declined-first", "captured-first"] as const) {
      const { client, session } = await subscriber();
      const base = Date.parse("2026-06-01T10:00:00.000Z") + 365 * DAY_MS;
      const activate = new Date(base);
      await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: activate }).body, activate);
      const declined = paymentEvent(session, { type: "payment_declined", createdOn: new Date(base + 28 * DAY_MS) });
      const captured = paymentEvent(session, { type: "payment_captured", createdOn: new Date(base + 29 * DAY_MS) });
      const deliveredAt = new Date(base + 29 * DAY_MS + 60_000);
      const sequence = order === "declined-first" ? [declined, captured] : [captured, declined];
      for (const event of sequence) await deliverOk(event.body, deliveredAt);
      const row = await subscriptionRow(client.userId);
      states.push({
        subscription: await subscriptionOf(client),
        failed: row?.failed_payment_count,
        credits: (await balanceOf(client)).by_kind,
      });
    }
    expect(states[0]).toEqual(states[1]);
    expect(states[0]).toMatchObject({ subscription: { status: "active", tier: "pro" }, failed: 0 });
  });

  it("an event older than the last applied one is stored but does not move the state back", async () => {
    const { client, session, base } = await subscriber();
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) }).body);
    const late = paymentEvent(session, { type: "payment_declined", createdOn: new Date(base - 60_000) });
    await deliverOk(late.body);
    expect(await storedEvents(late.id)).toHaveLength(1);
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "active", failed_payment_count: 0 });
  });

  it("a payment arriving after a newer event is never lost: it still buys its month (and its credits)", async () => {
    const { client, session, base } = await subscriber();
    const late = paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) });
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base + 60_000) }).body, new Date(base + 120_000));
    const first = await subscriptionOf(client);
    await deliverOk(late.body, new Date(base + 180_000));
    const after = await subscriptionOf(client);
    const expectedEnd = new Date(first.current_period_end ?? "");
    expectedEnd.setUTCMonth(expectedEnd.getUTCMonth() + 1);
    expect(after.current_period_end?.slice(0, 7)).toBe(expectedEnd.toISOString().slice(0, 7));
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "active", failed_payment_count: 0 });
    expect((await ledgerOf(client.userId)).filter((entry) => entry.kind === "grant" && entry.reason === "subscription_period")).toHaveLength(2);
  });

  it("declines: past_due with the retry count; the 3rd → grace for 7 days, still Pro; a capture then restores active", async () => {
    const { client, session, base } = await subscriber();
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) }).body, new Date(base));
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      const at = new Date(base + (27 + attempt) * DAY_MS);
      await deliverOk(paymentEvent(session, { type: "payment_declined", createdOn: at }).body, at);
      const row = await subscriptionRow(client.userId);
      expect(row).toMatchObject({ status: attempt < 3 ? "past_due" : "grace", failed_payment_count: attempt, tier: "pro" });
      if (attempt === 3) expect(new Date(row?.grace_period_end ?? "").getTime()).toBe(at.getTime() + 7 * DAY_MS);
    }
    const paidAt = new Date(base + 32 * DAY_MS);
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: paidAt }).body, paidAt);
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "active", failed_payment_count: 0, grace_period_end: null, tier: "pro" });
    expect((await subscriptionNotifications(client.userId)).map((n) => n.data.change)).toEqual(["activated", "past_due", "past_due", "grace", "renewed"]);
  });

  it("a declined first checkout changes nothing (there is no subscription to retry)", async () => {
    const { client, session, base } = await subscriber();
    await deliverOk(paymentEvent(session, { type: "payment_declined", createdOn: new Date(base) }).body);
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "none", tier: "free", failed_payment_count: 0 });
  });
});

describe("credit packs", () => {
  it("a captured pack payment → one purchased lot that never expires, once (replays and approved+captured)", async () => {
    const client = await newClient();
    const session = await packSession(client, "small");
    const paymentId = `pay_${crypto.randomUUID().replace(/-/g, "")}`;
    const approved = paymentEvent(session, { type: "payment_approved", paymentId, createdOn: new Date() });
    const captured = paymentEvent(session, { type: "payment_captured", paymentId, createdOn: new Date(Date.now() + 1000) });
    const signature = await sign(captured.body);
    await deliverOk(approved.body);
    await Promise.all(Array.from({ length: 5 }, () => deliver(captured.body, { signature })));
    const purchased = (await lotsOf(client.userId)).filter((lot) => lot.kind === "purchased");
    expect(purchased).toEqual([expect.objectContaining({ amount: 50, remaining: 50, expires_at: null, source: "credit_pack" })]);
    expect(await balanceOf(client)).toMatchObject({ total: 55, by_kind: { purchased: 50 } });
    expect(await tierOf(client.userId)).toBe("free");
  });

  it("a declined pack payment grants nothing", async () => {
    const client = await newClient();
    const session = await packSession(client);
    await deliverOk(paymentEvent(session, { type: "payment_declined", createdOn: new Date() }).body);
    expect((await balanceOf(client)).total).toBe(5);
  });
});

describe("events that are stored, logged, acknowledged and not applied", () => {
  it("metadata naming another user than the session was created for → not applied to anyone", async () => {
    const { client, session, base } = await subscriber();
    const victim = await newClient();
    const event = paymentEvent(session, { type: "payment_captured", createdOn: new Date(base), metadata: { user_id: victim.userId } });
    await deliverOk(event.body);
    expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ user_id: null, type: "payment_captured" })]);
    expect(await tierOf(victim.userId)).toBe("free");
    expect(await tierOf(client.userId)).toBe("free");
    expect((await balanceOf(victim)).total).toBe(5);
  });

  it("a product the session was not for (Pro session, pack metadata) → not applied", async () => {
    const { client, session, base } = await subscriber();
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base), metadata: { product: "small" }, amount: 499 }).body);
    expect((await balanceOf(client)).total).toBe(5);
  });

  it("an amount that is not the price → not applied", async () => {
    const { client, session, base } = await subscriber();
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base), amount: 1 }).body);
    expect(await tierOf(client.userId)).toBe("free");
  });

  it("an unknown user (a session for a deleted account) → stored without a user", async () => {
    const { session, base } = await subscriber();
    const ghost = { ...session, metadata: { ...session.metadata, user_id: crypto.randomUUID() } };
    const event = paymentEvent(ghost, { type: "payment_captured", createdOn: new Date(base) });
    await deliverOk(event.body);
    expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ user_id: null })]);
  });

  it("an unknown event type → stored and 200", async () => {
    const { client, session, base } = await subscriber();
    const event = paymentEvent(session, { type: "dispute_received", createdOn: new Date(base) });
    await deliverOk(event.body);
    await deliverOk(event.body);
    expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ type: "dispute_received" })]);
    expect(await tierOf(client.userId)).toBe("free");
  });

  it("a body without an event id → 400 VALIDATION_ERROR after the signature check, nothing stored", async () => {
    const body = JSON.stringify({ type: "payment_captured", data: {} });
    const response = await deliver(body, { signature: await sign(body), invalid: true });
    expect(await errorOf(response)).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
  });
});

describe("POST /subscription/cancel", () => {
  it("cancels at period end: still Pro, cancel_at_period_end true, idempotent; a checkout stays refused", async () => {
    const { client, session, base } = await subscriber();
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) }).body);
    const cancelled = await expectData<SubscriptionJson>(await client.request("POST", "/subscription/cancel"));
    expect(cancelled).toMatchObject({ tier: "pro", status: "active", cancel_at_period_end: true });
    expect(await expectData<SubscriptionJson>(await client.request("POST", "/subscription/cancel"))).toEqual(cancelled);
    expect(await subscriptionOf(client)).toEqual(cancelled);
    expect(await errorOf(await client.request("POST", "/subscription/checkout"))).toMatchObject({ status: 409, code: "ALREADY_SUBSCRIBED" });
    expect((await subscriptionNotifications(client.userId)).map((n) => n.data.change)).toEqual(["activated", "cancel_scheduled"]);
  });

  it("nothing to cancel → the state unchanged", async () => {
    const client = await newClient();
    expect(await expectData<SubscriptionJson>(await client.request("POST", "/subscription/cancel"))).toMatchObject({ status: "none", cancel_at_period_end: false });
  });
});
