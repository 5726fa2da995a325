import { getSubscription } from "../../services/billing/get";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS } from "../shared-schemas";
import { subscriptionSchema } from "./schemas";

const route = defineRoute({
  method: "get",
  path: "/subscription",
  tags: ["Billing"],
  summary: "Your subscription",
  description: "docs/billing.md#subscription-state: your tier and Pro subscription (status `none` if you never had one). One database round trip.",
  errors: AUTHED_ERRORS,
  responses: { 200: { description: "The subscription.", content: { "application/json": { schema: dataEnvelope(subscriptionSchema) } } } },
});

export function registerGetSubscription(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await getSubscription({ ctx: c.get("services") }) }, 200));
}
