import { z } from "@hono/zod-openapi";
import { unreadNotificationCount } from "../../services/notifications/count";
import { listNotifications } from "../../services/notifications/list";
import { NOTIFICATION_KINDS } from "../../services/notifications/present";
import { markAllNotificationsRead, markNotificationRead } from "../../services/notifications/read";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, idempotencyHeaders, listEnvelope, uuidParam, WRITE_ERRORS } from "../shared-schemas";
import { booleanFlag, cursorParam, limitParam } from "../tasks/list-query";

const notificationSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(NOTIFICATION_KINDS),
    title: z.string(),
    body: z.string(),
    data: z.record(z.string(), z.unknown()).openapi({ description: "Deep-link data, e.g. `{task_id}` or `{achievement_id, perk}`." }),
    read: z.boolean(),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Notification", {
    example: {
      id: "0b9f6a7e-4c1d-4a8e-9a53-2f7d1f0c9b11",
      kind: "achievement",
      title: "Achievement unlocked: Task Starter",
      body: "Complete 5 tasks.",
      data: { achievement_id: "tasks_5", perk: { type: "max_tasks", value: 15 } },
      read: false,
      created_at: "2026-03-01T09:00:00.000Z",
    },
  });

const list = defineRoute({
  method: "get",
  path: "/notifications",
  tags: ["Notifications"],
  summary: "Your notifications, unread first",
  description:
    "docs/reminders-notifications-realtime.md#notifications: unread first, then read, each newest first. `unread=true` lists unread ones only, `unread=false` read ones only. Cursor pagination; one database round trip.",
  errors: [...AUTHED_ERRORS],
  request: {
    query: z.strictObject({
      unread: booleanFlag("Only unread (true) or read (false) notifications; both when omitted.").optional(),
      limit: limitParam,
      cursor: cursorParam,
    }),
  },
  responses: { 200: { description: "A page of notifications.", content: { "application/json": { schema: listEnvelope(notificationSchema) } } } },
});

const count = defineRoute({
  method: "get",
  path: "/notifications/unread-count",
  tags: ["Notifications"],
  summary: "How many notifications are unread",
  description: "The badge number. One database round trip.",
  errors: [...AUTHED_ERRORS],
  responses: {
    200: { description: "The unread count.", content: { "application/json": { schema: dataEnvelope(z.object({ unread: z.number().int() }).openapi("UnreadCount")) } } },
  },
});

const read = defineRoute({
  method: "post",
  path: "/notifications/{id}/read",
  tags: ["Notifications"],
  summary: "Mark a notification read",
  description: "Answers the notification, now read; reading a read one changes nothing. No request body. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The notification id."), headers: idempotencyHeaders },
  responses: { 200: { description: "The notification.", content: { "application/json": { schema: dataEnvelope(notificationSchema) } } } },
});

const readAll = defineRoute({
  method: "post",
  path: "/notifications/read-all",
  tags: ["Notifications"],
  summary: "Mark every notification read",
  description: "Marks every unread notification read and answers how many it marked. No request body. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS],
  request: { headers: idempotencyHeaders },
  responses: {
    200: {
      description: "How many were marked.",
      content: { "application/json": { schema: dataEnvelope(z.object({ marked_read: z.number().int() }).openapi("NotificationsMarkedRead")) } },
    },
  },
});

export function mountNotifications(router: AppRouter): void {
  router.openapi(count, async (c) => c.json({ data: await unreadNotificationCount({ ctx: c.get("services") }) }, 200));
  router.openapi(readAll, async (c) => c.json({ data: await markAllNotificationsRead({ ctx: c.get("services") }) }, 200));
  router.openapi(list, async (c) => c.json(await listNotifications({ ctx: c.get("services"), input: c.req.valid("query") }), 200));
  router.openapi(read, async (c) => c.json({ data: await markNotificationRead({ ctx: c.get("services"), input: { id: c.req.valid("param").id } }) }, 200));
}
