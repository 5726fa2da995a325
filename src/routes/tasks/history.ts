import { z } from "@hono/zod-openapi";
import { taskHistory } from "../../services/activity/list";
import { activityEntrySchema } from "../activity/schemas";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { cursorParam, limitParam } from "./list-query";
import { AUTHED_ERRORS, listEnvelope, uuidParam } from "../shared-schemas";

const route = defineRoute({
  method: "get",
  path: "/tasks/{id}/history",
  tags: ["Tasks", "Activity"],
  summary: "History of one task",
  description:
    "docs/recovery-and-activity.md: the task's activity entries, oldest first, with field diffs. Survives the task's deletion and restore. A task you never had → 404. Cursor pagination.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The task id (also of a deleted task)."), query: z.strictObject({ limit: limitParam, cursor: cursorParam }) },
  responses: {
    200: { description: "A page of the task's history.", content: { "application/json": { schema: listEnvelope(activityEntrySchema) } } },
  },
});

export function registerTaskHistory(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    const page = await taskHistory({ ctx: c.get("services"), input: { id: c.req.valid("param").id, limit: query.limit, cursor: query.cursor } });
    return c.json(page, 200);
  });
}
