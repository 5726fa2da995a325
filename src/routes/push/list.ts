import { z } from "@hono/zod-openapi";
import { listPushSubscriptions } from "../../services/push/subscriptions";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS } from "../shared-schemas";
import { pushSubscriptionSchema } from "./schemas";

const route = defineRoute({
  method: "get",
  path: "/push/subscriptions",
  tags: ["Web Push"],
  summary: "Your push subscriptions",
  description: "Every browser registered for your pushes, newest first (at most 20, no pagination). One database round trip.",
  errors: [...AUTHED_ERRORS],
  responses: { 200: { description: "The subscriptions.", content: { "application/json": { schema: dataEnvelope(z.array(pushSubscriptionSchema)) } } } },
});

export function registerListPushSubscriptions(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await listPushSubscriptions({ ctx: c.get("services") }) }, 200));
}
