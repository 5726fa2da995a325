import { z } from "@hono/zod-openapi";
import { noteHistory } from "../../services/activity/list";
import { activityEntrySchema } from "../activity/schemas";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, listEnvelope, uuidParam } from "../shared-schemas";
import { cursorParam, limitParam } from "../tasks/list-query";

const route = defineRoute({
  method: "get",
  path: "/notes/{id}/history",
  tags: ["Notes", "Activity"],
  summary: "History of one note",
  description:
    "docs/recovery-and-activity.md: the note's activity entries (created, updated, transcribed, transcription_failed, deleted, restored), oldest first, with field diffs. Survives the note's deletion and restore. A note you never had → 404. Cursor pagination.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The note id (also of a deleted note)."), query: z.strictObject({ limit: limitParam, cursor: cursorParam }) },
  responses: { 200: { description: "A page of the note's history.", content: { "application/json": { schema: listEnvelope(activityEntrySchema) } } } },
});

export function registerNoteHistory(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const query = c.req.valid("query");
    return c.json(await noteHistory({ ctx: c.get("services"), input: { id: c.req.valid("param").id, limit: query.limit, cursor: query.cursor } }), 200);
  });
}
