import { afterEach, describe, expect, it, vi } from "vitest";
import { DAILY } from "../../../cron";
import { authHeaders } from "../../support/auth";
import { wav } from "../../support/audio";
import { clientAt, errorOf, expectData, newClient } from "../../support/factories";
import { captureLogs } from "../../support/logs";
import { createProbeApp, probe } from "../../support/probe-app";
import { runOnly, worker } from "../../support/scheduled";
import { createNote, transcribe } from "../notes/support";
import { rows, sql, testDb } from "../platform/database";
import { DAY_MS, deliverOk, failCheckoutFor, packSession, paymentEvent, proSession, sessionsOf, storedEvents, subscriptionRow, tierOf, type Session } from "./support";

/**
 * Stored checkout sessions (docs/billing.md#who-a-payment-belongs-to): the checkout writes the session the
 * webhook later applies a payment through – by the payment's `reference`, never by its metadata – and a
 * tier change reaches the Pro-only features and the limits at once.
 */
interface SessionRowJson extends Record<string, unknown> {
  user_id: string;
  product: string;
  reference: string;
  provider_session_id: string;
  amount: number;
  currency: string;
  status: string;
  payment_id: string | null;
}

const storedSessions = (userId: string) =>
  rows<SessionRowJson>(
    testDb("billing"),
    sql`select user_id, product, reference, provider_session_id, amount, currency, status, payment_id from checkout_sessions where user_id = ${userId} order by created_at`,
  );

const webhookLines = (lines: Record<string, unknown>[], eventId: string) => lines.filter((line) => line.webhook_event_id === eventId && typeof line.message === "string");

afterEach(() => {
  vi.restoreAllMocks();
});

describe("stored checkout sessions", () => {
  it("the checkout stores its session: the reference Checkout.com got, its session id, the price; paid once captured", async () => {
    const client = await newClient();
    const session = await proSession(client);
    expect(await storedSessions(client.userId)).toEqual([
      { user_id: client.userId, product: "pro", reference: session.reference, provider_session_id: session.id, amount: 999, currency: "USD", status: "created", payment_id: null },
    ]);
    const pack = await packSession(client);
    expect((await storedSessions(client.userId))[1]).toMatchObject({ product: "small", reference: pack.reference, provider_session_id: pack.id, amount: 499 });
    const paymentId = `pay_${crypto.randomUUID().replace(/-/g, "")}`;
    await deliverOk(paymentEvent(session, { type: "payment_captured", paymentId, createdOn: new Date() }).body);
    expect((await storedSessions(client.userId))[0]).toMatchObject({ status: "paid", payment_id: paymentId });
  });

  it("the fake's 5xx → 503 and no session row at all (nothing that could be paid)", async () => {
    const client = await newClient();
    await failCheckoutFor(client.userId, 503);
    expect(await errorOf(await client.request("POST", "/subscription/checkout"))).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
    await failCheckoutFor(client.userId, 500);
    expect(await errorOf(await client.request("POST", "/credits/checkout", { body: { pack: "small" } }))).toMatchObject({ status: 503 });
    expect(await storedSessions(client.userId)).toEqual([]);
    expect(await subscriptionRow(client.userId)).toBeUndefined();
  });

  it("Checkout.com not configured → 503 before any call, nothing stored (no session, no subscription row)", async () => {
    const app = createProbeApp();
    const client = await newClient();
    for (const [path, body] of [["/api/v1/subscription/checkout", undefined], ["/api/v1/credits/checkout", { pack: "small" }]] as const) {
      const response = await probe(app, path, {
        method: "POST",
        headers: authHeaders(client.accessToken, { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() }),
        body: body === undefined ? undefined : JSON.stringify(body),
        env: { CHECKOUT_SECRET_KEY: "" },
      });
      expect(await errorOf(response)).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
      expect(response.headers.get("Retry-After")).not.toBeNull();
    }
    expect(await sessionsOf(client.userId)).toEqual([]);
    expect(await storedSessions(client.userId)).toEqual([]);
    expect(await subscriptionRow(client.userId)).toBeUndefined();
  });
});

describe("a payment is applied only through its stored session", () => {
  it("metadata naming another user than its stored session → stored without a user, logged with both users, applied to no one", async () => {
    const client = await newClient();
    const session = await proSession(client);
    const other = await newClient();
    const log = captureLogs({ silent: true });
    const event = paymentEvent(session, { type: "payment_captured", createdOn: new Date(), metadata: { user_id: other.userId } });
    await deliverOk(event.body);
    const lines = webhookLines(log.lines(), event.id);
    expect(lines).toEqual([
      expect.objectContaining({
        level: "warn",
        message: "webhook event stored, not applied",
        reason: "metadata_user_differs_from_session",
        session_user_id: client.userId,
        metadata_user_id: other.userId,
      }),
    ]);
    expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ user_id: null, type: "payment_captured" })]);
    expect([await tierOf(client.userId), await tierOf(other.userId)]).toEqual(["free", "free"]);
    expect((await storedSessions(client.userId))[0]).toMatchObject({ status: "created", payment_id: null });
    expect(await subscriptionRow(other.userId)).toBeUndefined();
  });

  it("a payment naming a user in its metadata but a reference we never stored → stored, logged, not applied", async () => {
    const client = await newClient();
    const real = await proSession(client);
    const forged: Session = { ...real, reference: "pf_never-created-by-us" };
    const log = captureLogs({ silent: true });
    const event = paymentEvent(forged, { type: "payment_captured", createdOn: new Date() });
    await deliverOk(event.body);
    expect(webhookLines(log.lines(), event.id)).toEqual([expect.objectContaining({ message: "webhook event stored, not applied", reason: "no_matching_session" })]);
    expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ user_id: null })]);
    expect(await tierOf(client.userId)).toBe("free");
  });

  it("a payment without any reference or session id → stored, logged, not applied", async () => {
    const client = await newClient();
    const session = await proSession(client);
    const event = paymentEvent(session, { type: "payment_captured", createdOn: new Date() });
    const body = JSON.parse(event.body) as { data: Record<string, unknown> };
    delete body.data.reference;
    await deliverOk(JSON.stringify(body));
    expect(await storedEvents(event.id)).toEqual([expect.objectContaining({ user_id: null })]);
    expect(await tierOf(client.userId)).toBe("free");
  });

  it("a payment matched by the hosted payment id when it carries no reference → applied to the session's user", async () => {
    const client = await newClient();
    const session = await proSession(client);
    const event = paymentEvent(session, { type: "payment_captured", createdOn: new Date() });
    const body = JSON.parse(event.body) as { data: Record<string, unknown> };
    delete body.data.reference;
    body.data.hosted_payment_id = session.id;
    await deliverOk(JSON.stringify(body));
    expect(await tierOf(client.userId)).toBe("pro");
  });
});

describe("a tier change reaches everything at once", () => {
  runOnly(DAILY, ["subscription_check"]);

  it("subscription_check downgrading a Pro user: transcription (Pro only) → 403 TIER_REQUIRED and free limits, in the next request", async () => {
    const client = await newClient();
    // A past year of its own (the job acts on every subscription; see subscription-check.test.ts).
    const base = Date.parse("2016-02-03T10:00:00.000Z");
    const session = await proSession(await clientAt(client, new Date(base - 3_600_000).toISOString()));
    await deliverOk(paymentEvent(session, { type: "payment_captured", createdOn: new Date(base) }).body, new Date(base));
    let lastDecline = base;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      lastDecline = base + (25 + attempt) * DAY_MS;
      await deliverOk(paymentEvent(session, { type: "payment_declined", createdOn: new Date(lastDecline) }).body, new Date(lastDecline));
    }
    // Still Pro (grace): transcription works and the limits are Pro's – the token says `free`, the server reads the row.
    const note = await createNote(client, { content: "Voice." });
    const ok = await transcribe(client, note.id, wav(20, { script: { id: crypto.randomUUID(), transcript: "Hello." } }));
    expect(ok.status).toBe(200);
    expect(await expectData<{ tier: string }>(await client.request("GET", "/users/me/limits"))).toMatchObject({ tier: "pro" });

    await worker.scheduled({ cron: DAILY, scheduledTime: new Date((Math.floor((lastDecline + 7 * DAY_MS) / DAY_MS) + 2) * DAY_MS) });
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "expired", tier: "free" });
    const refused = await transcribe(client, note.id, wav(20, { script: { id: crypto.randomUUID(), transcript: "Again." } }));
    expect(await errorOf(refused)).toMatchObject({ status: 403, code: "TIER_REQUIRED" });
    expect(await expectData<{ tier: string; limits: { max_subtasks: number } }>(await client.request("GET", "/users/me/limits"))).toMatchObject({
      tier: "free",
      limits: { max_subtasks: 4 },
    });
    // Nothing deleted: the note and its transcript stay.
    expect(await expectData<{ content: string }>(await client.request("GET", `/notes/${note.id}`))).toMatchObject({ content: expect.stringContaining("Hello.") });
  });
});
