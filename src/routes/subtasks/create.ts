import { createSubtask } from "../../services/subtasks/create";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { createSubtaskBody, subtaskSchema } from "../tasks/schemas";
import { idempotencyHeaders, uuidParam, WRITE_ERRORS } from "../shared-schemas";

const route = defineRoute({
  method: "post",
  path: "/tasks/{id}/subtasks",
  tags: ["Subtasks"],
  summary: "Add a subtask",
  unitOfWork: true,
  description:
    "docs/tasks.md: appended after the last subtask. Per task: free 4, Pro 10 (plus achievement perks) → `409 LIMIT_EXCEEDED` with `details: {limit, current}`, exact under concurrent requests. Archived task → `409 TASK_ARCHIVED`. The task's counters change, not its version. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "TASK_ARCHIVED", "LIMIT_EXCEEDED"],
  request: {
    params: uuidParam("The task id."),
    headers: idempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: createSubtaskBody } } },
  },
  responses: {
    201: { description: "The new subtask.", content: { "application/json": { schema: dataEnvelope(subtaskSchema) } } },
  },
});

export function registerCreateSubtask(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await createSubtask({ ctx: c.get("services"), input: { taskId: c.req.valid("param").id, title: c.req.valid("json").title } });
    return c.json({ data: result }, 201);
  });
}
