import { inject } from "vitest";
import { signCheckoutBody } from "../../../src/integrations/checkout/signature";
import { CHECKOUT_TEST_WEBHOOK_SECRET } from "../../fakes/node/checkout-keys";
import { expectData, type TestClient } from "../../support/factories";
import { call, newRequestId } from "../../support/requests";
import { rows, sql, testDb } from "../platform/database";

/**
 * Billing test kit (docs/billing.md): real checkouts against the Checkout.com fake (test/fakes/node/checkout.ts),
 * webhook events built the way Checkout.com sends them for those sessions and signed with the run's webhook
 * secret, and the database rows they should (or should not) change.
 */
export interface Session {
  id: string;
  reference: string;
  amount: number;
  currency: string;
  metadata: { user_id: string; product: string };
  body: Record<string, unknown>;
}

interface FakeSession {
  id: string;
  body: { reference: string; amount: number; currency: string; metadata: { user_id: string; product: string } } & Record<string, unknown>;
}

export interface CheckoutAnswer {
  checkout_url: string;
  session_id: string;
  expires_at: string;
}

/** The sessions the fake created for a user, oldest first, with the body the Worker sent. */
export async function sessionsOf(userId: string): Promise<Session[]> {
  const response = await fetch(`${inject("checkoutUrl")}/_control/sessions?user_id=${userId}`);
  const list = (await response.json()) as FakeSession[];
  return list.map(({ id, body }) => ({ id, reference: body.reference, amount: body.amount, currency: body.currency, metadata: body.metadata, body }));
}

/** Makes the fake answer the user's next `times` session requests with `status`. */
export async function failCheckoutFor(userId: string, status: number, times = 1): Promise<void> {
  await fetch(`${inject("checkoutUrl")}/_control/fail`, { method: "POST", body: JSON.stringify({ user_id: userId, status, times }) });
}

/** `POST /subscription/checkout` (201) and the session the fake recorded for it. */
export async function proSession(client: TestClient): Promise<Session> {
  const answer = await expectData<CheckoutAnswer>(await client.request("POST", "/subscription/checkout"), 201);
  const session = (await sessionsOf(client.userId)).find((candidate) => candidate.id === answer.session_id);
  if (session === undefined) throw new Error("the fake has no such session");
  return session;
}

/** `POST /credits/checkout {pack}` (201) and its session. */
export async function packSession(client: TestClient, pack = "small"): Promise<Session> {
  const answer = await expectData<CheckoutAnswer>(await client.request("POST", "/credits/checkout", { body: { pack } }), 201);
  const session = (await sessionsOf(client.userId)).find((candidate) => candidate.id === answer.session_id);
  if (session === undefined) throw new Error("the fake has no such session");
  return session;
}

export interface EventSpec {
  type: "payment_captured" | "payment_approved" | "payment_declined" | string;
  /** The payment's id (`data.id`); one payment may have several events (approved, captured). */
  paymentId?: string;
  createdOn: Date;
  /** Older payloads: `timestamp` instead of `created_on`. */
  legacyTimestamp?: boolean;
  /** Overrides of `data.metadata` (e.g. another user). */
  metadata?: Record<string, string>;
  amount?: number;
  id?: string;
}

/** A Checkout.com payment event for a session, as JSON text (what gets signed). */
export function paymentEvent(session: Session, spec: EventSpec): { id: string; body: string } {
  const id = spec.id ?? `evt_${crypto.randomUUID().replace(/-/g, "")}`;
  const time = spec.createdOn.toISOString();
  const event = {
    id,
    type: spec.type,
    version: "1.0.33",
    ...(spec.legacyTimestamp ? { timestamp: time } : { created_on: time }),
    data: {
      id: spec.paymentId ?? `pay_${crypto.randomUUID().replace(/-/g, "")}`,
      action_id: `act_${crypto.randomUUID().replace(/-/g, "")}`,
      amount: spec.amount ?? session.amount,
      currency: session.currency,
      reference: session.reference,
      response_code: spec.type === "payment_declined" ? "20051" : "10000",
      metadata: { ...session.metadata, ...spec.metadata },
      processed_on: time,
    },
    _links: { self: { href: `https://api.checkout.com/events/${id}` } },
  };
  return { id, body: JSON.stringify(event) };
}

export function sign(body: string): Promise<string> {
  return signCheckoutBody(CHECKOUT_TEST_WEBHOOK_SECRET, body);
}

/** `POST /webhooks/checkout` with the raw body, signed unless `signature` says otherwise; `at` pins the clock. */
export async function deliver(body: string, options: { signature?: string | null; at?: Date; requestId?: string; invalid?: boolean } = {}): Promise<Response> {
  const signature = options.signature === undefined ? await sign(body) : options.signature;
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (signature !== null) headers["Cko-Signature"] = signature;
  if (options.at !== undefined) headers["X-Test-Now"] = options.at.toISOString();
  return call("/api/v1/webhooks/checkout", {
    method: "POST",
    headers,
    rawBody: body,
    requestId: options.requestId ?? newRequestId("webhook"),
    invalid: options.invalid === true || signature === null,
  });
}

/** Delivers and expects 200 `{data: {received: true}}`. */
export async function deliverOk(body: string, at?: Date): Promise<void> {
  const response = await deliver(body, at === undefined ? {} : { at });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`webhook answered ${response.status}: ${text}`);
}

export interface SubscriptionRowJson extends Record<string, unknown> {
  status: string;
  current_period_end: string | null;
  grace_period_end: string | null;
  cancel_at_period_end: boolean;
  failed_payment_count: number;
  checkout_session_id: string | null;
  checkout_last_payment_id: string | null;
  tier: string;
}

/** The user's subscription row (joined with the tier), or undefined. */
export async function subscriptionRow(userId: string): Promise<SubscriptionRowJson | undefined> {
  const [row] = await rows<SubscriptionRowJson>(
    testDb("billing"),
    sql`select s.status, s.current_period_end::text, s.grace_period_end::text, s.cancel_at_period_end, s.failed_payment_count,
          s.checkout_session_id, s.checkout_last_payment_id, u.tier
        from users u join subscriptions s on s.user_id = u.id where u.id = ${userId}`,
  );
  return row;
}

export async function tierOf(userId: string): Promise<string | undefined> {
  const [row] = await rows<{ tier: string }>(testDb("billing"), sql`select tier from users where id = ${userId}`);
  return row?.tier;
}

export async function storedEvents(eventId: string): Promise<{ user_id: string | null; type: string; processed_at: string | null }[]> {
  return rows(testDb("billing"), sql`select user_id, type, processed_at::text from webhook_events where provider = 'checkout' and event_id = ${eventId}`);
}

export async function subscriptionNotifications(userId: string): Promise<{ title: string; data: { change: string; status: string } }[]> {
  return rows(testDb("billing"), sql`select title, data from notifications where user_id = ${userId} and type = 'subscription' order by created_at, id`);
}

export const DAY_MS = 86_400_000;
