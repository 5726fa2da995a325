import { z } from "@hono/zod-openapi";
import { listNotes, listTaskNotes } from "../../services/notes/list";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, listEnvelope, storableText, uuidParam } from "../shared-schemas";
import { booleanFlag, cursorParam, limitParam } from "../tasks/list-query";
import { noteSchema } from "./schemas";

const listNotesQuery = z.strictObject({
  task_id: z.uuid().optional().openapi({ description: "Only the notes of this task." }),
  standalone: booleanFlag("true: only notes without a task; false: only notes on a task; both when omitted.").optional(),
  archived: booleanFlag("Archived notes instead of active ones (default false).").default(false),
  q: storableText(z.string().trim().min(1).max(200)).optional().openapi({ description: "Full-text search over the content (English stemming: `running` finds `runs`; websearch syntax: quotes, OR, -word)." }),
  limit: limitParam,
  cursor: cursorParam,
});

const listRoute = defineRoute({
  method: "get",
  path: "/notes",
  tags: ["Notes"],
  summary: "List notes",
  description:
    "docs/notes-and-voice.md: newest first; filters `task_id`, `standalone`, `archived` (default false), `q` (full text); opaque cursor pagination. One database round trip. No match → `200` with `data: []`.",
  errors: [...AUTHED_ERRORS],
  request: { query: listNotesQuery },
  responses: { 200: { description: "A page of notes.", content: { "application/json": { schema: listEnvelope(noteSchema).openapi({ example: { data: [], next_cursor: null } }) } } } },
});

const taskNotesRoute = defineRoute({
  method: "get",
  path: "/tasks/{id}/notes",
  tags: ["Notes", "Tasks"],
  summary: "Notes of a task",
  description: "docs/notes-and-voice.md: the task's notes (archived ones included), newest first, cursor pagination. An unknown task (or another user's) → 404. One database round trip.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The task id."), query: z.strictObject({ limit: limitParam, cursor: cursorParam }) },
  responses: { 200: { description: "A page of the task's notes.", content: { "application/json": { schema: listEnvelope(noteSchema) } } } },
});

export function registerListNotes(router: AppRouter): void {
  router.openapi(listRoute, async (c) => c.json(await listNotes({ ctx: c.get("services"), input: c.req.valid("query") }), 200));
}

export function registerListTaskNotes(router: AppRouter): void {
  router.openapi(taskNotesRoute, async (c) => {
    const query = c.req.valid("query");
    return c.json(await listTaskNotes({ ctx: c.get("services"), input: { taskId: c.req.valid("param").id, limit: query.limit, cursor: query.cursor } }), 200);
  });
}
