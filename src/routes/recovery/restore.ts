import { z } from "@hono/zod-openapi";
import { restoreTombstone } from "../../services/recovery/restore";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { taskDetailSchema } from "../tasks/schemas";
import { noteSchema } from "../notes/schemas";
import { idempotencyHeaders, tombstoneParam, WRITE_ERRORS } from "../shared-schemas";

const taskRestorationSchema = z
  .object({
    tombstone_id: z.uuid(),
    entity_type: z.literal("task"),
    entity_id: z.uuid(),
    task: taskDetailSchema.openapi({ description: "The restored task with its subtasks and reminders (original ids)." }),
  })
  .openapi("Restoration");

const noteRestorationSchema = z
  .object({
    tombstone_id: z.uuid(),
    entity_type: z.literal("note"),
    entity_id: z.uuid(),
    note: noteSchema.openapi({ description: "The restored note (its original id): on its task if that still exists, else standalone." }),
  })
  .openapi("NoteRestoration");

const restorationSchema = z.discriminatedUnion("entity_type", [taskRestorationSchema, noteRestorationSchema]);

const route = defineRoute({
  method: "post",
  path: "/recovery/{tombstone_id}/restore",
  tags: ["Recovery"],
  summary: "Restore a deleted task or note",
  unitOfWork: true,
  description:
    "docs/recovery-and-activity.md: restores the task with its subtasks, notes, reminders and tags – or a note deleted on its own – all with their original ids, in one atomic step, and logs `restored` in its history. Pending reminders still in the future stay pending; those whose time passed meanwhile are cancelled. A note goes back onto its task if the task still exists, else it comes back standalone. Past 7 days or no longer among your 3 most recent deletions → `410 TOMBSTONE_EXPIRED`; an open task while the active-task limit is reached, or a note whose destination is at its note limit → `409 LIMIT_EXCEEDED`; unknown or already restored → 404. Answers `{tombstone_id, entity_type, entity_id}` with `task` or `note`. No request body. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "TOMBSTONE_EXPIRED", "LIMIT_EXCEEDED"],
  request: { params: tombstoneParam, headers: idempotencyHeaders },
  responses: {
    200: { description: "Restored.", content: { "application/json": { schema: dataEnvelope(restorationSchema) } } },
  },
});

export function registerRestore(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await restoreTombstone({ ctx: c.get("services"), input: { id: c.req.valid("param").tombstone_id } });
    return c.json({ data: result }, 200);
  });
}
