import { z } from "@hono/zod-openapi";
import { listFocusSessions } from "../../services/focus/list";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, listEnvelope } from "../shared-schemas";
import { cursorParam, limitParam } from "../tasks/list-query";
import { focusSessionSchema, focusStatusSchema } from "./schemas";

const query = z.strictObject({
  status: focusStatusSchema.optional().openapi({ description: "Only sessions with this status." }),
  limit: limitParam,
  cursor: cursorParam,
});

const route = defineRoute({
  method: "get",
  path: "/focus/sessions",
  tags: ["Focus"],
  summary: "Your focus sessions",
  description: "docs/reminders-notifications-realtime.md#focus-mode: newest first (by `started_at`), optionally of one `status`. Cursor pagination; one database round trip.",
  errors: [...AUTHED_ERRORS],
  request: { query },
  responses: {
    200: { description: "A page of sessions.", content: { "application/json": { schema: listEnvelope(focusSessionSchema) } } },
  },
});

export function registerListFocusSessions(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const page = await listFocusSessions({ ctx: c.get("services"), input: c.req.valid("query") });
    return c.json(page, 200);
  });
}
