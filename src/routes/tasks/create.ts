import { z } from "@hono/zod-openapi";
import { createTask } from "../../services/tasks/create";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { descriptionSchema, dueDateSchema, durationSchema, prioritySchema, tagsSchema, taskSchema, titleSchema } from "./schemas";
import { idempotencyHeaders, WRITE_ERRORS } from "../shared-schemas";

export const createTaskBody = z
  .strictObject({
    title: titleSchema,
    description: descriptionSchema.optional(),
    priority: prioritySchema.optional(),
    due_date: dueDateSchema.nullable().optional(),
    estimated_duration: durationSchema.nullable().optional(),
    tags: tagsSchema.optional(),
    hidden: z.boolean().optional().openapi({ description: "Hidden tasks are left out of `GET /tasks` unless `hidden=true`." }),
  })
  .openapi("CreateTask", { example: { title: "Write the quarterly report", priority: "high", due_date: "2026-03-05T17:00:00Z", tags: ["work"] } });

const route = defineRoute({
  method: "post",
  path: "/tasks",
  tags: ["Tasks"],
  summary: "Create a task",
  description:
    "docs/tasks.md. Counts against the active-task limit (free 50, Pro unlimited, plus achievement perks): at the limit → `409 LIMIT_EXCEEDED` with `details: {limit, current}`, exact under concurrent requests. Per-plan field rules (description length, due-date horizon) → `400 VALIDATION_ERROR` naming the field. Tags are normalised (trimmed, lowercased) and created on first use. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "LIMIT_EXCEEDED"],
  request: {
    headers: idempotencyHeaders,
    body: { required: true, content: { "application/json": { schema: createTaskBody } } },
  },
  responses: {
    201: { description: "The created task.", content: { "application/json": { schema: dataEnvelope(taskSchema) } } },
  },
});

export function registerCreateTask(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await createTask({ ctx: c.get("services"), input: c.req.valid("json") });
    return c.json({ data: result }, 201);
  });
}
