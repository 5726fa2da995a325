import { z } from "@hono/zod-openapi";
import { listActivity } from "../../services/activity/list";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { cursorParam, limitParam } from "../tasks/list-query";
import { AUTHED_ERRORS, listEnvelope } from "../shared-schemas";
import { activityEntrySchema } from "./schemas";

const query = z.strictObject({
  entity_type: z
    .string()
    .regex(/^[a-z][a-z0-9_.]{0,39}$/)
    .optional()
    .openapi({ description: "Only entries about this kind of entity (task, subtask, tag, note…).", example: "task" }),
  entity_id: z.uuid().optional().openapi({ description: "Only entries about this entity." }),
  limit: limitParam,
  cursor: cursorParam,
});

const route = defineRoute({
  method: "get",
  path: "/activity",
  tags: ["Activity"],
  summary: "Your activity log",
  description: "docs/recovery-and-activity.md: every change to your data, newest first, with who made it and field diffs. Append-only. Cursor pagination; one database round trip.",
  errors: [...AUTHED_ERRORS],
  request: { query },
  responses: {
    200: { description: "A page of activity.", content: { "application/json": { schema: listEnvelope(activityEntrySchema) } } },
  },
});

export function registerListActivity(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const page = await listActivity({ ctx: c.get("services"), input: c.req.valid("query") });
    return c.json(page, 200);
  });
}
