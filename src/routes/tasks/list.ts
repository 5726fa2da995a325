import { listTasks } from "../../services/tasks/list";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { listTasksQuery } from "./list-query";
import { taskSchema } from "./schemas";
import { AUTHED_ERRORS, listEnvelope } from "../shared-schemas";

const route = defineRoute({
  method: "get",
  path: "/tasks",
  tags: ["Tasks"],
  summary: "List tasks",
  description:
    "docs/tasks.md: filters (`completed`, `priority`, `tags` – all of them, `q` full-text, `due_before`/`due_after`, `template_id`, `hidden`, `archived`), `sort` with `order`, and opaque cursor pagination that stays stable while tasks are added. One database round trip. No match → `200` with `data: []`. A cursor that was not returned by this listing (or belongs to another sort) → `400 VALIDATION_ERROR`.",
  errors: [...AUTHED_ERRORS],
  request: { query: listTasksQuery },
  responses: {
    200: {
      description: "A page of tasks.",
      content: { "application/json": { schema: listEnvelope(taskSchema).openapi({ example: { data: [], next_cursor: null } }) } },
    },
  },
});

export function registerListTasks(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const page = await listTasks({ ctx: c.get("services"), input: c.req.valid("query") });
    return c.json(page, 200);
  });
}
