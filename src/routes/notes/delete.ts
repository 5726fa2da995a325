import { deleteNote } from "../../services/notes/delete";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, ifMatchHeader, uuidParam } from "../shared-schemas";
import { noteDeletionSchema } from "./schemas";

const route = defineRoute({
  method: "delete",
  path: "/notes/{id}",
  tags: ["Notes", "Recovery"],
  summary: "Delete a note (recoverable for 7 days)",
  description:
    "docs/notes-and-voice.md, docs/recovery-and-activity.md: one atomic step writes a tombstone (the note's snapshot), removes the note and logs the deletion; `POST /recovery/{tombstone_id}/restore` brings it back with its id. `If-Match: \"<version>\"` is checked when sent (`409 VERSION_CONFLICT`). A note of an archived task → `409 TASK_ARCHIVED`.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND", "VERSION_CONFLICT", "TASK_ARCHIVED"],
  request: { params: uuidParam("The note id."), headers: ifMatchHeader },
  responses: { 200: { description: "Deleted; the tombstone that can restore it.", content: { "application/json": { schema: dataEnvelope(noteDeletionSchema) } } } },
});

export function registerDeleteNote(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await deleteNote({ ctx: c.get("services"), input: { id: c.req.valid("param").id, ifMatch: c.req.valid("header")["if-match"] } });
    return c.json({ data: result }, 200);
  });
}
