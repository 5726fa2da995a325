import { z } from "@hono/zod-openapi";
import { updateSubtask } from "../../services/subtasks/update";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { achievementUnlockSchema, subtaskSchema, taskSchema, titleSchema } from "../tasks/schemas";
import { uuidParam, versionSchema, WRITE_ERRORS, writeHeaders } from "../shared-schemas";

export const updateSubtaskBody = z
  .strictObject({ title: titleSchema.optional(), completed: z.boolean().optional(), version: versionSchema.optional() })
  .openapi("UpdateSubtask", { example: { completed: true, version: 1 } });

const resultSchema = z
  .object({
    subtask: subtaskSchema,
    task: taskSchema.openapi({ description: "The parent task after the change (it may have been completed or reopened)." }),
    unlocked_achievements: z.array(achievementUnlockSchema),
  })
  .openapi("SubtaskUpdate");

const route = defineRoute({
  method: "patch",
  path: "/subtasks/{id}",
  tags: ["Subtasks"],
  summary: "Update a subtask (title, completion)",
  unitOfWork: true,
  description:
    "docs/tasks.md, docs/conventions.md#patch-semantics–1.5: omitted fields unchanged, unknown fields rejected, `version` required (body or `If-Match`; stale → `409 VERSION_CONFLICT` with the current subtask). Completing the last open subtask completes the task (`completed_by: auto`) in the same step – exactly once even when the last two are ticked at the same moment; reopening a subtask of an auto-completed task reopens it. Answers the subtask and its task. Archived task → `409 TASK_ARCHIVED`. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "VERSION_CONFLICT", "TASK_ARCHIVED"],
  request: {
    params: uuidParam("The subtask id."),
    headers: writeHeaders,
    body: { required: true, content: { "application/json": { schema: updateSubtaskBody } } },
  },
  responses: {
    200: { description: "The subtask and its task.", content: { "application/json": { schema: dataEnvelope(resultSchema) } } },
  },
});

export function registerUpdateSubtask(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await updateSubtask({
      ctx: c.get("services"),
      input: { ...c.req.valid("json"), id: c.req.valid("param").id, ifMatch: c.req.valid("header")["if-match"] },
    });
    return c.json({ data: result }, 200);
  });
}
