import { startProCheckout } from "../../services/billing/checkout";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, WRITE_ERRORS } from "../shared-schemas";
import { checkoutSessionSchema } from "./schemas";

const route = defineRoute({
  method: "post",
  path: "/subscription/checkout",
  tags: ["Billing"],
  summary: "Start a Pro checkout",
  description:
    "docs/billing.md#checkout: creates a Checkout.com Hosted Payments Page session for one month of Pro and answers its URL. Nothing is paid until Checkout.com confirms the payment (webhook). `409 ALREADY_SUBSCRIBED` while you are Pro; `503 SERVICE_UNAVAILABLE` when Checkout.com fails or payments are not configured (retry with the same Idempotency-Key). Requires `Idempotency-Key`: a retry answers the same session.",
  errors: [...WRITE_ERRORS, "ALREADY_SUBSCRIBED"],
  request: { headers: idempotencyHeaders },
  responses: { 201: { description: "The payment session.", content: { "application/json": { schema: dataEnvelope(checkoutSessionSchema) } } } },
});

export function registerSubscriptionCheckout(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await startProCheckout({ ctx: c.get("services") }) }, 201));
}
