import { sql } from "drizzle-orm";
import { ApiError, ValidationFailed } from "../../errors/api-error";
import { CheckoutFailure, createHostedPayment } from "../../integrations/checkout/hosted-payments";
import type { ServiceContext } from "../context";
import { runWrite } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { PAYING_STATUSES, stateOf, subscriptionStatement } from "./state";

/** `POST /subscription/checkout` and `POST /credits/checkout` (docs/billing.md#checkout). */
export interface CheckoutSession {
  checkout_url: string;
  session_id: string;
  expires_at: string;
}

/** The product name of Pro in a session's metadata; packs use their configured name. */
export const PRO_PRODUCT = "pro";

/** Without `expires_on` in Checkout.com's answer: its Hosted Payments Page links live 24 hours. */
const SESSION_TTL_MS = 24 * 3_600_000;

interface Product {
  name: string;
  amount: number;
  currency: string;
  description: string;
}

/**
 * Pro checkout: a Hosted Payments Page session for one month of Pro. Two round trips and one call to
 * Checkout.com: the user's tier and subscription (with the Idempotency-Key lookup) – a paying subscriber
 * gets `409 ALREADY_SUBSCRIBED` – then the session is created and, in ONE batch with the idempotency record,
 * stored as a `checkout_sessions` row (who pays for what: the webhook applies a payment only through it) and
 * remembered on the user's subscription row (created with status `none` if missing). Checkout.com failing or
 * timing out, or payments not configured → `503 SERVICE_UNAVAILABLE` and nothing at all is stored (no
 * session row either): nothing is paid until its webhook says so.
 */
export function startProCheckout({ ctx }: { ctx: ServiceContext }): Promise<CheckoutSession> {
  const userId = requireUserId(ctx);
  const product: Product = { name: PRO_PRODUCT, amount: ctx.config.CHECKOUT_PRO_PRICE, currency: ctx.config.CHECKOUT_PRO_CURRENCY, description: "Perpetua Flow Pro (1 month)" };
  return runWrite(ctx, { operation: "subscription.checkout", status: 201 }, async (unit) => {
    const found = unit.read(subscriptionStatement(ctx, userId));
    await unit.load();
    const row = found.result.rows[0];
    if (row === undefined) throw new ApiError("UNAUTHORIZED");
    if (row.tier === "pro" || PAYING_STATUSES.includes(stateOf(row).status)) throw new ApiError("ALREADY_SUBSCRIBED");
    const session = await createSession(ctx, userId, product);
    unit.write(storeSessionStatement(ctx, userId, product, session));
    unit.write(
      ctx.db.execute(sql`
        insert into subscriptions (user_id, checkout_session_id, updated_at) values (${userId}, ${session.session_id}, ${ctx.clock.now().toISOString()}::timestamptz)
        on conflict (user_id) do update set checkout_session_id = excluded.checkout_session_id, updated_at = greatest(subscriptions.updated_at, ${ctx.clock.now().toISOString()}::timestamptz)`),
    );
    return present(session);
  });
}

/**
 * Credit-pack checkout (docs/credits.md#credit-packs): a session for a configured pack; an unknown pack is
 * 400. The captured payment grants one `purchased` lot (services/billing/webhook.ts). One round trip after the
 * call: the idempotency record with the answer and the `checkout_sessions` row; nothing is stored when
 * Checkout.com fails or payments are not configured.
 */
export function startPackCheckout({ ctx, input }: { ctx: ServiceContext; input: { pack: string } }): Promise<CheckoutSession> {
  const userId = requireUserId(ctx);
  const pack = Object.hasOwn(ctx.config.CREDIT_PACKS, input.pack) ? ctx.config.CREDIT_PACKS[input.pack] : undefined;
  if (pack === undefined) {
    throw new ValidationFailed([{ field: "pack", reason: `Unknown pack; one of: ${Object.keys(ctx.config.CREDIT_PACKS).join(", ")}.` }]);
  }
  const product: Product = { name: input.pack, amount: pack.amount, currency: pack.currency, description: `Perpetua Flow AI credits (${pack.credits})` };
  return runWrite(ctx, { operation: "credits.checkout", status: 201 }, async (unit) => {
    const session = await createSession(ctx, userId, product);
    unit.write(storeSessionStatement(ctx, userId, product, session));
    return present(session);
  });
}

/** What the client gets (the reference stays ours). */
function present({ checkout_url, session_id, expires_at }: CreatedSession): CheckoutSession {
  return { checkout_url, session_id, expires_at };
}

interface CreatedSession extends CheckoutSession {
  reference: string;
}

/**
 * The `reference` sent with a session and stored on its row: random, so it names nothing by itself – only
 * the stored row says whose it is (27 characters; Checkout.com allows 50, the table checks ≤ 50).
 */
function newReference(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return `pf_${btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_")}`;
}

/** The session row, written in the commit batch with the idempotency record (a failed call writes none). */
function storeSessionStatement(ctx: ServiceContext, userId: string, product: Product, session: CreatedSession) {
  const now = ctx.clock.now().toISOString();
  return ctx.db.execute(sql`
    insert into checkout_sessions (user_id, product, reference, provider_session_id, amount, currency, status, expires_at, created_at, updated_at)
    values (${userId}, ${product.name}, ${session.reference}, ${session.session_id}, ${product.amount}, ${product.currency}, 'created',
      ${session.expires_at}::timestamptz, ${now}::timestamptz, ${now}::timestamptz)`);
}

async function createSession(ctx: ServiceContext, userId: string, product: Product): Promise<CreatedSession> {
  const { CHECKOUT_SECRET_KEY: secretKey, CHECKOUT_SUCCESS_URL: successUrl, CHECKOUT_CANCEL_URL: cancelUrl, CHECKOUT_FAILURE_URL: failureUrl } = ctx.config;
  if (secretKey === undefined || successUrl === undefined || cancelUrl === undefined || failureUrl === undefined) {
    ctx.log.warn("checkout is not configured", { outcome: "checkout_unconfigured" });
    throw new ApiError("SERVICE_UNAVAILABLE", { message: "Payments are not available right now.", headers: { "Retry-After": "60" } });
  }
  const reference = newReference();
  try {
    const session = await createHostedPayment({
      baseUrl: ctx.config.CHECKOUT_BASE_URL,
      secretKey,
      timeoutMs: ctx.config.CHECKOUT_TIMEOUT_MS,
      amount: product.amount,
      currency: product.currency,
      reference,
      description: product.description,
      country: ctx.config.CHECKOUT_BILLING_COUNTRY,
      successUrl,
      cancelUrl,
      failureUrl,
      metadata: { user_id: userId, product: product.name },
    });
    const expires = session.expiresOn === undefined ? Number.NaN : Date.parse(session.expiresOn);
    return {
      reference,
      checkout_url: session.redirectUrl,
      session_id: session.id,
      expires_at: new Date(Number.isNaN(expires) ? ctx.clock.now().getTime() + SESSION_TTL_MS : expires).toISOString(),
    };
  } catch (error) {
    if (!(error instanceof CheckoutFailure)) throw error;
    ctx.log.warn("checkout session failed", { outcome: "checkout_failed", failure: error.kind, provider_status: error.status, product: product.name });
    throw new ApiError("SERVICE_UNAVAILABLE", { message: "The payment service is unavailable; try again shortly.", headers: { "Retry-After": "5" }, cause: error });
  }
}
