import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { ApiError } from "../../errors/api-error";
import { verifyCheckoutSignature } from "../../integrations/checkout/signature";
import { checkoutEventSchema, processCheckoutEvent } from "../../services/billing/webhook";
import { dataEnvelope, defineRoute } from "../define-route";
import { metrics } from "../../services/metrics/recorder";
import type { AppRouter } from "../router";

export const SIGNATURE_HEADER = "Cko-Signature";

/**
 * The signature check runs as the operation's own middleware, BEFORE its validators: the raw bytes are read
 * (and cached by Hono) and verified before anything parses them as JSON. Bad or missing → 400
 * INVALID_SIGNATURE, logged, nothing stored. Without a configured secret nothing can be verified → 503, so
 * Checkout.com keeps resending until the deployment is fixed.
 */
const verifySignature = createMiddleware<AppEnv>(async (c, next) => {
  const ctx = c.get("services");
  const secret = ctx.config.CHECKOUT_WEBHOOK_SECRET;
  if (secret === undefined) {
    ctx.log.error("webhook secret is not configured", { outcome: "webhook_unconfigured" });
    throw new ApiError("SERVICE_UNAVAILABLE", { message: "Webhooks are not configured.", headers: { "Retry-After": "60" } });
  }
  const body = await c.req.arrayBuffer();
  const header = c.req.header(SIGNATURE_HEADER);
  if (!(await verifyCheckoutSignature(secret, body, header))) {
    ctx.log.warn("webhook signature rejected", { outcome: "invalid_signature", signature_present: header !== undefined, body_bytes: body.byteLength });
    throw new ApiError("INVALID_SIGNATURE");
  }
  await next();
});

const route = defineRoute({
  method: "post",
  path: "/webhooks/checkout",
  tags: ["Billing"],
  summary: "Checkout.com webhook",
  description:
    "docs/billing.md#webhooks: called by Checkout.com, not by clients. No bearer token and no Idempotency-Key: `Cko-Signature` must be the hex HMAC-SHA256 of the raw body with the webhook secret (else `400 INVALID_SIGNATURE`, nothing stored). Idempotent by event `id`; events out of order are ordered by `created_on` (or `timestamp`). Unknown users, products or event types are stored and acknowledged with 200.",
  access: "public",
  middleware: [verifySignature],
  errors: ["INVALID_SIGNATURE"],
  request: {
    headers: z.object({
      "cko-signature": z
        .string()
        .optional()
        .openapi({ param: { required: true }, description: "Hex HMAC-SHA256 of the raw request body with the webhook secret.", example: "5e3b…" }),
    }),
    body: { required: true, content: { "application/json": { schema: checkoutEventSchema.openapi("CheckoutWebhookEvent") } } },
  },
  responses: {
    200: {
      description: "Received (applied, a replay, or stored without effect).",
      content: { "application/json": { schema: dataEnvelope(z.object({ received: z.literal(true) }).openapi("WebhookReceipt")) } },
    },
  },
});

export function registerCheckoutWebhook(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const started = performance.now();
    const ctx = { ...c.get("services"), actor: { type: "webhook", provider: "checkout" } as const };
    const input = c.req.valid("json");
    const outcome = await processCheckoutEvent({ ctx, input });
    // Signed by Checkout.com, so the type is one of its (bounded) event types.
    const eventType = /^[a-z_]{1,64}$/.test(input.type) ? input.type : "other";
    metrics.observe("webhook_processing_duration_seconds", { provider: "checkout", event_type: eventType }, (performance.now() - started) / 1000);
    return c.json({ data: outcome }, 200);
  });
}
