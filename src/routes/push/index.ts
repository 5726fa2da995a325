import { listPushSubscriptions, subscribePush, unsubscribePush } from "../../services/push/subscriptions";
import { vapidPublicKey } from "../../services/push/vapid";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, idempotencyHeaders, uuidParam, WRITE_ERRORS } from "../shared-schemas";
import { z } from "@hono/zod-openapi";
import { pushSubscriptionSchema, subscribeBody, vapidPublicKeySchema } from "./schemas";

const publicKey = defineRoute({
  method: "get",
  path: "/push/vapid-public-key",
  tags: ["Web Push"],
  summary: "The VAPID public key for PushManager.subscribe",
  description:
    "docs/reminders-notifications-realtime.md#web-push: the server's VAPID public key (`applicationServerKey`). When the server has no VAPID keys configured, push is off: `503 SERVICE_UNAVAILABLE` (hide the push option). No database access.",
  errors: [...AUTHED_ERRORS, "SERVICE_UNAVAILABLE"],
  database: false,
  responses: { 200: { description: "The key.", content: { "application/json": { schema: dataEnvelope(vapidPublicKeySchema) } } } },
});

const subscribe = defineRoute({
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

const list = defineRoute({
  method: "get",
  path: "/push/subscriptions",
  tags: ["Web Push"],
  summary: "Your push subscriptions",
  description: "Every browser registered for your pushes, newest first (at most 20, no pagination). One database round trip.",
  errors: [...AUTHED_ERRORS],
  responses: { 200: { description: "The subscriptions.", content: { "application/json": { schema: dataEnvelope(z.array(pushSubscriptionSchema)) } } } },
});

const unsubscribe = defineRoute({
  method: "delete",
  path: "/push/subscriptions/{id}",
  tags: ["Web Push"],
  summary: "Unregister a browser",
  description: "Deletes one of your subscriptions; pushes not yet sent to it are dropped. Unknown or someone else's → 404.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The subscription id.") },
  responses: { 204: { description: "Deleted." } },
});

/** docs/reminders-notifications-realtime.md#web-push. */
export function mountPush(router: AppRouter): void {
  router.openapi(publicKey, (c) => c.json({ data: vapidPublicKey({ ctx: c.get("services") }) }, 200));
  router.openapi(list, async (c) => c.json({ data: await listPushSubscriptions({ ctx: c.get("services") }) }, 200));
  router.openapi(subscribe, async (c) => c.json({ data: await subscribePush({ ctx: c.get("services"), input: c.req.valid("json") }) }, 201));
  router.openapi(unsubscribe, async (c) => {
    await unsubscribePush({ ctx: c.get("services"), input: { id: c.req.valid("param").id } });
    return c.body(null, 204);
  });
}
