import { randomBytes } from "node:crypto";
import { CHECKOUT_TEST_SECRET_KEY } from "./checkout-keys";
import { listen, readBody, sendJson, type RunningServer } from "./http";

/**
 * Checkout.com's Hosted Payments Page API as the Worker sees it (docs/billing.md#checkout):
 * `POST /hosted-payments` with `Authorization: Bearer <secret key>` and a JSON body.
 *
 * - A missing or wrong key → 401 with an empty body, like Checkout.com.
 * - A body Checkout.com would refuse → 422 `{request_id, error_type: "request_invalid", error_codes: [...]}`:
 *   amount not an integer > 0, currency not 3 letters, reference missing or over 50 characters,
 *   billing.address.country not 2 letters, success/cancel/failure URL missing, not http(s) or over 255
 *   characters, metadata not an object of strings with `user_id` and `product`.
 * - Otherwise 201 `{id: "hpp_…", reference, expires_on, _links: {self: {href}, redirect: {href}}}`.
 *
 * Tests script failures per user so parallel files never share state: `POST /_control/fail {user_id, status,
 * times?}` makes that user's next sessions answer `status` (default once). `GET /_control/sessions?user_id=`
 * lists the sessions created for that user with the body the Worker sent (what a webhook test pays).
 */
/** Sessions stay open this long (Checkout.com's Hosted Payments Page links: 24 h). */
const SESSION_TTL_MS = 24 * 3_600_000;

export interface FakeSession {
  id: string;
  redirect: string;
  expires_on: string;
  body: Record<string, unknown>;
}

export async function startCheckoutFake(): Promise<RunningServer> {
  const sessions = new Map<string, FakeSession[]>();
  const failures = new Map<string, { status: number; times: number }>();
  let origin = "";
  const server = await listen(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://checkout");
    if (request.method === "POST" && url.pathname === "/_control/fail") {
      const script = JSON.parse((await readBody(request)).toString("utf8")) as { user_id: string; status: number; times?: number };
      failures.set(script.user_id, { status: script.status, times: script.times ?? 1 });
      return sendJson(response, 204, {});
    }
    if (request.method === "GET" && url.pathname === "/_control/sessions") {
      return sendJson(response, 200, sessions.get(url.searchParams.get("user_id") ?? "") ?? []);
    }
    if (request.method !== "POST" || url.pathname !== "/hosted-payments") return sendJson(response, 404, {});
    const requestId = `req_${randomBytes(8).toString("hex")}`;
    const raw = await readBody(request);
    if (request.headers.authorization !== `Bearer ${CHECKOUT_TEST_SECRET_KEY}`) {
      response.writeHead(401, { "cko-request-id": requestId });
      response.end();
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      return sendJson(response, 422, { request_id: requestId, error_type: "request_invalid", error_codes: ["request_body_malformed"] });
    }
    const problems = problemsOf(body);
    if (problems.length > 0 || !isRecord(body)) return sendJson(response, 422, { request_id: requestId, error_type: "request_invalid", error_codes: problems });
    const metadata = isRecord(body.metadata) ? body.metadata : {};
    const userId = String(metadata.user_id);
    const failure = failures.get(userId);
    if (failure !== undefined) {
      failure.times -= 1;
      if (failure.times <= 0) failures.delete(userId);
      return sendJson(response, failure.status, { request_id: requestId, error_type: "processing_error" });
    }
    const id = `hpp_${randomBytes(9).toString("base64url")}`;
    const session: FakeSession = { id, redirect: `${origin}/page/${id}`, expires_on: new Date(Date.now() + SESSION_TTL_MS).toISOString(), body };
    sessions.set(userId, [...(sessions.get(userId) ?? []), session]);
    return sendJson(response, 201, {
      id,
      reference: body.reference,
      expires_on: session.expires_on,
      _links: { self: { href: `${origin}/hosted-payments/${id}` }, redirect: { href: session.redirect } },
    });
  });
  origin = server.origin;
  return server;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function problemsOf(body: unknown): string[] {
  if (!isRecord(body)) return ["request_body_malformed"];
  const problems: string[] = [];
  if (typeof body.amount !== "number" || !Number.isInteger(body.amount) || body.amount <= 0) problems.push("amount_invalid");
  if (typeof body.currency !== "string" || !/^[A-Z]{3}$/.test(body.currency)) problems.push("currency_invalid");
  if (typeof body.reference !== "string" || body.reference.length === 0 || body.reference.length > 50) problems.push("reference_invalid");
  const billing = isRecord(body.billing) && isRecord(body.billing.address) ? body.billing.address : undefined;
  if (billing === undefined || typeof billing.country !== "string" || !/^[A-Z]{2}$/.test(billing.country)) problems.push("billing_address_country_invalid");
  for (const field of ["success_url", "cancel_url", "failure_url"]) {
    const value = body[field];
    if (typeof value !== "string" || value.length > 255 || !/^https?:\/\//.test(value)) problems.push(`${field}_invalid`);
  }
  const metadata = body.metadata;
  if (!isRecord(metadata) || Object.values(metadata).some((value) => typeof value !== "string") || typeof metadata.user_id !== "string" || typeof metadata.product !== "string") {
    problems.push("metadata_invalid");
  }
  return problems;
}
