import { subscribePush } from "../../services/push/subscriptions";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, WRITE_ERRORS } from "../shared-schemas";
import { pushSubscriptionSchema, subscribeBody } from "./schemas";

const route = defineRoute({
  method: "post",
  path: "/push/subscriptions",
  tags: ["Web Push"],
  summary: "Register this browser for Web Push",
  description:
    "docs/reminders-notifications-realtime.md#web-push: send `PushSubscription.toJSON()`'s `endpoint` and `keys`. An upsert by endpoint: the same endpoint again keeps its id (keys updated); an endpoint another account registered moves to you (theirs is deleted). Always `201` with the subscription. At most 20 per user: the least recently used one is replaced. `400 VALIDATION_ERROR` for a non-https or non-public endpoint, or keys that are not a P-256 point / a 16-byte secret. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS],
  request: {
    headers: idempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: subscribeBody } } },
  },
  responses: { 201: { description: "The subscription.", content: { "application/json": { schema: dataEnvelope(pushSubscriptionSchema) } } } },
});

export function registerSubscribePush(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await subscribePush({ ctx: c.get("services"), input: c.req.valid("json") }) }, 201));
}
