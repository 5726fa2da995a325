import { z } from "@hono/zod-openapi";
import { reorderSubtasks } from "../../services/subtasks/reorder";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { subtaskSchema } from "../tasks/schemas";
import { AUTHED_ERRORS, uuidParam } from "../shared-schemas";

export const reorderBody = z
  .strictObject({ ids: z.array(z.uuid()).max(1000).openapi({ description: "Every subtask id of the task, exactly once, in the new order." }) })
  .openapi("SubtaskOrder", { example: { ids: ["8d3e1f2a-4b5c-4d6e-8f90-a1b2c3d4e5f6", "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"] } });

const route = defineRoute({
  method: "put",
  path: "/tasks/{id}/subtasks/order",
  tags: ["Subtasks"],
  summary: "Reorder a task's subtasks",
  unitOfWork: true,
  description:
    "docs/tasks.md: `ids` lists every subtask of the task once, in the new order; positions become 0…n-1. An id given twice → `400 VALIDATION_ERROR`; a list that is not the task's current set of subtasks (one added or removed meanwhile, by another device) → `409 VERSION_CONFLICT` with the current list in `details.current`. Archived task → `409 TASK_ARCHIVED`. Idempotent by nature (PUT).",
  errors: [...AUTHED_ERRORS, "NOT_FOUND", "VERSION_CONFLICT", "TASK_ARCHIVED"],
  request: { params: uuidParam("The task id."), body: { required: true, content: { "application/json": { schema: reorderBody } } } },
  responses: {
    200: { description: "The subtasks in their new order.", content: { "application/json": { schema: dataEnvelope(z.array(subtaskSchema)) } } },
  },
});

export function registerReorderSubtasks(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const subtasks = await reorderSubtasks({ ctx: c.get("services"), input: { taskId: c.req.valid("param").id, ids: c.req.valid("json").ids } });
    return c.json({ data: subtasks }, 200);
  });
}
