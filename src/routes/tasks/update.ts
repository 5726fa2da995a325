import { updateTask } from "../../services/tasks/update";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { taskSchema, updateTaskBody } from "./schemas";
import { uuidParam, WRITE_ERRORS, writeHeaders } from "../shared-schemas";

const route = defineRoute({
  method: "patch",
  path: "/tasks/{id}",
  tags: ["Tasks"],
  summary: "Update a task",
  unitOfWork: true,
  description:
    "docs/conventions.md#patch-semantics: an omitted field is unchanged, `null` clears a nullable field, unknown fields are rejected. docs/conventions.md#optimistic-locking: send the `version` you read (body or `If-Match`); a stale one answers `409 VERSION_CONFLICT` with the current task in `details.current`. Completion has its own operations (complete / reopen / force-complete). An archived task only accepts a PATCH with `archived: false` (else `409 TASK_ARCHIVED`); un-archiving an open task counts against the active-task limit. A PATCH that changes nothing answers the task unchanged (same version). Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "VERSION_CONFLICT", "TASK_ARCHIVED", "LIMIT_EXCEEDED"],
  request: {
    params: uuidParam("The task id."),
    headers: writeHeaders,
    body: { required: true, content: { "application/json": { schema: updateTaskBody } } },
  },
  responses: {
    200: { description: "The updated task.", content: { "application/json": { schema: dataEnvelope(taskSchema) } } },
  },
});

export function registerUpdateTask(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await updateTask({
      ctx: c.get("services"),
      input: { ...c.req.valid("json"), id: c.req.valid("param").id, ifMatch: c.req.valid("header")["if-match"] },
    });
    return c.json({ data: result }, 200);
  });
}
