import { createTask } from "../../services/tasks/create";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { createTaskBody, taskSchema } from "./schemas";
import { idempotencyHeaders, WRITE_ERRORS } from "../shared-schemas";

const route = defineRoute({
  method: "post",
  path: "/tasks",
  tags: ["Tasks"],
  summary: "Create a task",
  unitOfWork: true,
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
