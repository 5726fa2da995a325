import { z } from "@hono/zod-openapi";
import { getTask } from "../../services/tasks/get";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { taskDetailSchema } from "./schemas";
import { AUTHED_ERRORS, uuidParam } from "../shared-schemas";

const route = defineRoute({
  method: "get",
  path: "/tasks/{id}",
  tags: ["Tasks"],
  summary: "Get a task with its subtasks, reminders and tags",
  description: "docs/tasks.md. One database round trip. Another user's task answers 404 like a missing one (docs/conventions.md#ownership).",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The task id.") },
  responses: {
    200: {
      description: "The task, subtasks by position, reminders soonest first.",
      headers: z.object({
        ETag: z.string().openapi({ description: 'The task\'s version as a strong entity tag, e.g. `"3"`; send it back as `If-Match` on PATCH.', example: '"3"' }),
      }),
      content: { "application/json": { schema: dataEnvelope(taskDetailSchema) } },
    },
  },
});

export function registerGetTask(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const task = await getTask({ ctx: c.get("services"), input: { id: c.req.valid("param").id } });
    return c.json({ data: task }, 200, { ETag: `"${task.version}"` });
  });
}
