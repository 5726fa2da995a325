import { z } from "@hono/zod-openapi";
import { startPackCheckout } from "../../services/billing/checkout";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, WRITE_ERRORS } from "../shared-schemas";
import { checkoutSessionSchema } from "../subscription/schemas";

const body = z.strictObject({
  pack: z.string().min(1).max(32).openapi({ description: "A configured pack (`CREDIT_PACKS`), e.g. `small`: 50 credits for 4.99 USD.", example: "small" }),
});

const route = defineRoute({
  method: "post",
  path: "/credits/checkout",
  tags: ["Credits"],
  summary: "Buy a credit pack",
  description:
    "docs/credits.md#credit-packs: creates a Checkout.com Hosted Payments Page session for a credit pack and answers its URL. The captured payment grants one `purchased` lot that never expires, once. `400 VALIDATION_ERROR` for an unknown pack; `503 SERVICE_UNAVAILABLE` when Checkout.com fails or payments are not configured. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS],
  request: { headers: idempotencyHeaders, body: { required: true, content: { "application/json": { schema: body } } } },
  responses: { 201: { description: "The payment session.", content: { "application/json": { schema: dataEnvelope(checkoutSessionSchema) } } } },
});

export function registerCreditCheckout(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await startPackCheckout({ ctx: c.get("services"), input: c.req.valid("json") }) }, 201));
}
