import { endFocusSession } from "../../services/focus/end";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, uuidParam, WRITE_ERRORS } from "../shared-schemas";
import { endFocusResultSchema } from "./schemas";

const route = defineRoute({
  method: "post",
  path: "/focus/sessions/{id}/end",
  tags: ["Focus"],
  summary: "End a focus session",
  description:
    "docs/reminders-notifications-realtime.md#focus-mode: `elapsed_seconds` = now − `started_at`; `completed` when it reached `planned_minutes`, else `ended_early` (ended later than planned + 60 min: `abandoned` with its planned time, as the minute sweep closes it). The seconds are added to the task's `focus_time_seconds` (the task's `version` does not change). A session that has already ended is answered as it is, nothing counted twice. Answers `{session, unlocked_achievements}`. No request body. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The session id."), headers: idempotencyHeaders },
  responses: {
    200: { description: "The ended session.", content: { "application/json": { schema: dataEnvelope(endFocusResultSchema) } } },
  },
});

export function registerEndFocusSession(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await endFocusSession({ ctx: c.get("services"), input: { id: c.req.valid("param").id } });
    return c.json({ data: result }, 200);
  });
}
