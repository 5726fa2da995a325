import { describe, expect, it } from "vitest";
import { errorOf, expectData, newClient } from "../../support/factories";
import { call } from "../../support/requests";
import { failCheckoutFor, packSession, proSession, sessionsOf, subscriptionRow, type CheckoutAnswer } from "./support";

/**
 * `POST /subscription/checkout`, `POST /credits/checkout`, `GET /subscription` against the Checkout.com fake
 * (docs/billing.md#checkout): the fake checks the secret key and the body like the real API does.
 */
describe("POST /subscription/checkout", () => {
  it("answers the fake's Hosted Payments Page URL; the fake got the price, the URLs and metadata naming the user and Pro", async () => {
    const client = await newClient();
    const answer = await expectData<CheckoutAnswer>(await client.request("POST", "/subscription/checkout"), 201);
    const [session] = await sessionsOf(client.userId);
    expect(session).toBeDefined();
    expect(answer).toEqual({ checkout_url: expect.stringMatching(/\/page\/hpp_/), session_id: session?.id, expires_at: expect.any(String) });
    expect(answer.checkout_url).toBe(`${new URL(answer.checkout_url).origin}/page/${session?.id}`);
    expect(session?.body).toMatchObject({
      amount: 999,
      currency: "USD",
      billing: { address: { country: "US" } },
      success_url: "https://app.perpetua.test/billing/success",
      cancel_url: "https://app.perpetua.test/billing/cancel",
      failure_url: "https://app.perpetua.test/billing/failure",
      metadata: { user_id: client.userId, product: "pro" },
    });
    expect(session?.reference.length).toBeLessThanOrEqual(50);
    // Nothing is paid: the row only remembers the session.
    expect(await subscriptionRow(client.userId)).toMatchObject({ status: "none", tier: "free", checkout_session_id: session?.id, checkout_last_payment_id: null });
  });

  it("a retry with the same Idempotency-Key answers the same session without a second one", async () => {
    const client = await newClient();
    const key = crypto.randomUUID();
    const first = await expectData<CheckoutAnswer>(await client.request("POST", "/subscription/checkout", { key }), 201);
    const again = await client.request("POST", "/subscription/checkout", { key });
    expect(again.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await expectData<CheckoutAnswer>(again, 201)).toEqual(first);
    expect(await sessionsOf(client.userId)).toHaveLength(1);
  });

  it("a Pro user → 409 ALREADY_SUBSCRIBED, and no session is created", async () => {
    const client = await newClient({ tier: "pro" });
    const response = await client.request("POST", "/subscription/checkout");
    expect(await errorOf(response)).toMatchObject({ status: 409, code: "ALREADY_SUBSCRIBED" });
    expect(await sessionsOf(client.userId)).toEqual([]);
  });

  it("the fake's 5xx → 503 SERVICE_UNAVAILABLE with Retry-After, nothing stored; the retry then works", async () => {
    const client = await newClient();
    await failCheckoutFor(client.userId, 502);
    const key = crypto.randomUUID();
    const response = await client.request("POST", "/subscription/checkout", { key });
    expect(response.headers.get("Retry-After")).not.toBeNull();
    expect(await errorOf(response)).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
    expect(await subscriptionRow(client.userId)).toBeUndefined();
    expect((await expectData<{ tier: string; status: string }>(await client.request("GET", "/subscription"))).status).toBe("none");
    // A 5xx is never stored under the key: the same key retried creates the session.
    const retried = await expectData<CheckoutAnswer>(await client.request("POST", "/subscription/checkout", { key }), 201);
    expect((await sessionsOf(client.userId)).map((session) => session.id)).toEqual([retried.session_id]);
  });

  it("needs an Idempotency-Key", async () => {
    const client = await newClient();
    const response = await client.request("POST", "/subscription/checkout", { key: null, invalid: true });
    expect(await errorOf(response)).toMatchObject({ status: 400, code: "IDEMPOTENCY_KEY_REQUIRED" });
  });
});

describe("POST /credits/checkout", () => {
  it("a configured pack: its price and currency, metadata naming the user and the pack", async () => {
    const client = await newClient();
    const session = await packSession(client, "small");
    expect(session).toMatchObject({ amount: 499, currency: "USD", metadata: { user_id: client.userId, product: "small" } });
  });

  it("Pro users may buy packs too", async () => {
    const client = await newClient({ tier: "pro" });
    await packSession(client);
  });

  it("an unknown pack → 400 VALIDATION_ERROR naming the field", async () => {
    const client = await newClient();
    // Pack names are configuration (CREDIT_PACKS), not part of the document: the contract allows any name.
    const response = await client.request("POST", "/credits/checkout", { body: { pack: "huge" }, invalid: true });
    expect(await errorOf(response)).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [{ field: "pack" }] });
    expect(await sessionsOf(client.userId)).toEqual([]);
  });

  it("the fake's 5xx → 503", async () => {
    const client = await newClient();
    await failCheckoutFor(client.userId, 500);
    expect(await errorOf(await client.request("POST", "/credits/checkout", { body: { pack: "small" } }))).toMatchObject({ status: 503, code: "SERVICE_UNAVAILABLE" });
  });
});

describe("GET /subscription", () => {
  it("status none for a user who never subscribed", async () => {
    const client = await newClient();
    expect(await expectData(await client.request("GET", "/subscription"))).toEqual({
      tier: "free",
      status: "none",
      current_period_end: null,
      grace_period_end: null,
      cancel_at_period_end: false,
    });
  });
});

describe("security: the user operations need a bearer token", () => {
  const operations: [string, string, unknown][] = [
    ["GET", "/api/v1/subscription", undefined],
    ["POST", "/api/v1/subscription/checkout", undefined],
    ["POST", "/api/v1/subscription/cancel", undefined],
    ["POST", "/api/v1/credits/checkout", { pack: "small" }],
  ];
  for (const [method, path, body] of operations) {
    it(`${method} ${path} → 401 without a token, 401 with a garbage one`, async () => {
      const none = await call(path, { method, body, headers: { "Idempotency-Key": crypto.randomUUID() }, invalid: true });
      expect(await errorOf(none)).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
      const garbage = await call(path, { method, body, headers: { Authorization: "Bearer not-a-token", "Idempotency-Key": crypto.randomUUID() }, invalid: true });
      expect((await errorOf(garbage)).status).toBe(401);
    });
  }

  it("a session's metadata always names the caller (never a user id from the request)", async () => {
    const client = await newClient();
    const session = await proSession(client);
    expect(session.metadata.user_id).toBe(client.userId);
  });
});
