import { z } from "@hono/zod-openapi";
import { deleteTask } from "../../services/tasks/delete";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, ifMatchHeader, uuidParam } from "../shared-schemas";

const deletionSchema = z
  .object({
    tombstone_id: z.uuid().openapi({ description: "Pass to `POST /recovery/{tombstone_id}/restore` to undo." }),
    entity_type: z.literal("task"),
    entity_id: z.uuid(),
    expires_at: z.string().openapi({ format: "date-time", description: "Restorable until then (7 days), if still among your 3 most recent deletions." }),
  })
  .openapi("Deletion", {
    example: {
      tombstone_id: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
      entity_type: "task",
      entity_id: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b",
      expires_at: "2026-03-08T09:00:00.000Z",
    },
  });

const route = defineRoute({
  method: "delete",
  path: "/tasks/{id}",
  tags: ["Tasks", "Recovery"],
  summary: "Delete a task (recoverable for 7 days)",
  unitOfWork: true,
  description:
    "docs/recovery-and-activity.md: one atomic step writes a tombstone (snapshot of the task with its subtasks, notes, reminders and tags), removes the rows, and logs the deletion. You keep the 3 most recent tombstones for 7 days. `If-Match: \"<version>\"` is checked when sent (`409 VERSION_CONFLICT`). Archived tasks can be deleted.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND", "VERSION_CONFLICT"],
  request: { params: uuidParam("The task id."), headers: ifMatchHeader },
  responses: {
    200: { description: "Deleted; the tombstone that can restore it.", content: { "application/json": { schema: dataEnvelope(deletionSchema) } } },
  },
});

export function registerDeleteTask(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await deleteTask({ ctx: c.get("services"), input: { id: c.req.valid("param").id, ifMatch: c.req.valid("header")["if-match"] } });
    return c.json({ data: result }, 200);
  });
}
