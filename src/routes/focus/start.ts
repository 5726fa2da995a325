import { startFocusSession } from "../../services/focus/start";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, WRITE_ERRORS } from "../shared-schemas";
import { focusSessionSchema, startFocusBody } from "./schemas";

const route = defineRoute({
  method: "post",
  path: "/focus/sessions",
  tags: ["Focus"],
  summary: "Start a focus session",
  description:
    "docs/reminders-notifications-realtime.md#focus-mode: starts a session of `planned_minutes` (5–180, default 25), optionally on one of your tasks. At most one running session per user, also under parallel requests: a second start → `409 FOCUS_SESSION_RUNNING` with `details.session`, the running one. Someone else's or a missing task → 404; an archived task → `409 TASK_ARCHIVED` (completed tasks are fine). Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "TASK_ARCHIVED", "FOCUS_SESSION_RUNNING"],
  request: {
    headers: idempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: startFocusBody } } },
  },
  responses: {
    201: { description: "The running session.", content: { "application/json": { schema: dataEnvelope(focusSessionSchema) } } },
  },
});

export function registerStartFocusSession(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    const session = await startFocusSession({ ctx: c.get("services"), input: { taskId: body.task_id, plannedMinutes: body.planned_minutes } });
    return c.json({ data: session }, 201);
  });
}
