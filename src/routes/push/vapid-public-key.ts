import { vapidPublicKey } from "../../services/push/vapid";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS } from "../shared-schemas";
import { vapidPublicKeySchema } from "./schemas";

const route = defineRoute({
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

export function registerVapidPublicKey(router: AppRouter): void {
  router.openapi(route, (c) => c.json({ data: vapidPublicKey({ ctx: c.get("services") }) }, 200));
}
