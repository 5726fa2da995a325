import { deleteSubtask } from "../../services/subtasks/delete";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, ifMatchHeader, uuidParam } from "../shared-schemas";

const route = defineRoute({
  method: "delete",
  path: "/subtasks/{id}",
  tags: ["Subtasks"],
  summary: "Delete a subtask",
  unitOfWork: true,
  description: "docs/tasks.md: removes the subtask and updates its task's counters. `If-Match` is checked when sent. Archived task → `409 TASK_ARCHIVED`.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND", "VERSION_CONFLICT", "TASK_ARCHIVED"],
  request: { params: uuidParam("The subtask id."), headers: ifMatchHeader },
  responses: { 204: { description: "Deleted." } },
});

export function registerDeleteSubtask(router: AppRouter): void {
  router.openapi(route, async (c) => {
    await deleteSubtask({ ctx: c.get("services"), input: { id: c.req.valid("param").id, ifMatch: c.req.valid("header")["if-match"] } });
    return c.body(null, 204);
  });
}
