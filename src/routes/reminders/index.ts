import { z } from "@hono/zod-openapi";
import { createReminder } from "../../services/reminders/create";
import { deleteReminder } from "../../services/reminders/delete";
import { listTaskReminders } from "../../services/reminders/list";
import { MAX_REMINDERS_PER_TASK } from "../../services/reminders/present";
import { updateReminder } from "../../services/reminders/update";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, idempotencyHeaders, uuidParam, WRITE_ERRORS } from "../shared-schemas";
import { reminderSchema } from "../tasks/schemas";
import { createReminderBody, updateReminderBody } from "./schemas";

const RULES = `Exactly one of \`remind_at\` (absolute) or \`offset_minutes\` (relative to the due date; the task needs one); the firing time must lie in the future, else \`400 VALIDATION_ERROR\`.`;

const create = defineRoute({
  method: "post",
  path: "/tasks/{id}/reminders",
  tags: ["Reminders"],
  summary: "Add a reminder to a task",
  description: `docs/reminders-notifications-realtime.md#reminders. ${RULES} At most ${MAX_REMINDERS_PER_TASK} per task → \`409 LIMIT_EXCEEDED\` with \`details: {limit, current}\`, exact under parallel requests. On a completed task it is stored \`cancelled\` (reopening arms it); archived task → \`409 TASK_ARCHIVED\`. It fires within a second of \`remind_at\`: a notification, and a Web Push for channel push|both. Requires \`Idempotency-Key\`.`,
  errors: [...WRITE_ERRORS, "NOT_FOUND", "TASK_ARCHIVED", "LIMIT_EXCEEDED"],
  request: {
    params: uuidParam("The task id."),
    headers: idempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: createReminderBody } } },
  },
  responses: { 201: { description: "The new reminder.", content: { "application/json": { schema: dataEnvelope(reminderSchema) } } } },
});

const list = defineRoute({
  method: "get",
  path: "/tasks/{id}/reminders",
  tags: ["Reminders"],
  summary: "A task's reminders",
  description: "Soonest first (relative reminders of a task without due date last). One database round trip.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The task id.") },
  responses: { 200: { description: "The reminders.", content: { "application/json": { schema: dataEnvelope(z.array(reminderSchema)) } } } },
});

const update = defineRoute({
  method: "patch",
  path: "/reminders/{id}",
  tags: ["Reminders"],
  summary: "Change a reminder's time or channel",
  description: `Omitted fields unchanged. ${RULES.replace("Exactly one", "At most one")} A new time re-arms the reminder (also one that fired); the message queued for the old time does nothing. Archived task → \`409 TASK_ARCHIVED\`. Requires \`Idempotency-Key\`.`,
  errors: [...WRITE_ERRORS, "NOT_FOUND", "TASK_ARCHIVED"],
  request: {
    params: uuidParam("The reminder id."),
    headers: idempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: updateReminderBody } } },
  },
  responses: { 200: { description: "The reminder.", content: { "application/json": { schema: dataEnvelope(reminderSchema) } } } },
});

const remove = defineRoute({
  method: "delete",
  path: "/reminders/{id}",
  tags: ["Reminders"],
  summary: "Delete a reminder",
  description: "Removes it; a message already queued for it does nothing. One database round trip.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The reminder id.") },
  responses: { 204: { description: "Deleted." } },
});

/** docs/reminders-notifications-realtime.md#reminders. */
export function mountReminders(router: AppRouter): void {
  router.openapi(create, async (c) => {
    const body = c.req.valid("json");
    return c.json({ data: await createReminder({ ctx: c.get("services"), input: { ...body, taskId: c.req.valid("param").id } }) }, 201);
  });
  router.openapi(list, async (c) => c.json({ data: await listTaskReminders({ ctx: c.get("services"), input: { taskId: c.req.valid("param").id } }) }, 200));
  router.openapi(update, async (c) => {
    const body = c.req.valid("json");
    return c.json({ data: await updateReminder({ ctx: c.get("services"), input: { ...body, id: c.req.valid("param").id } }) }, 200);
  });
  router.openapi(remove, async (c) => {
    await deleteReminder({ ctx: c.get("services"), input: { id: c.req.valid("param").id } });
    return c.body(null, 204);
  });
}
