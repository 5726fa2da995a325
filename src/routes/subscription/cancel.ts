import { cancelSubscription } from "../../services/billing/cancel";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, WRITE_ERRORS } from "../shared-schemas";
import { subscriptionSchema } from "./schemas";

const route = defineRoute({
  method: "post",
  path: "/subscription/cancel",
  tags: ["Billing"],
  summary: "Cancel Pro at the end of the period",
  description:
    "docs/billing.md#cancellation: `cancel_at_period_end` becomes true; you stay Pro until `current_period_end`, then the subscription is `cancelled` and you are free (nothing is deleted). Idempotent: already cancelling, or nothing to cancel, answers the subscription unchanged. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS],
  request: { headers: idempotencyHeaders },
  responses: { 200: { description: "The subscription after the request.", content: { "application/json": { schema: dataEnvelope(subscriptionSchema) } } } },
});

export function registerCancelSubscription(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await cancelSubscription({ ctx: c.get("services") }) }, 200));
}
