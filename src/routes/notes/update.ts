import { z } from "@hono/zod-openapi";
import { updateNote } from "../../services/notes/update";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { uuidParam, versionSchema, WRITE_ERRORS, writeHeaders } from "../shared-schemas";
import { noteContentSchema, noteSchema } from "./schemas";

const updateNoteBody = z
  .strictObject({
    version: versionSchema.optional(),
    content: noteContentSchema.optional(),
    archived: z.boolean().optional().openapi({ description: "Archive (true) or un-archive (false)." }),
  })
  .openapi("UpdateNote", { example: { version: 1, content: "Call the printer – done." } });

const route = defineRoute({
  method: "patch",
  path: "/notes/{id}",
  tags: ["Notes"],
  summary: "Update a note",
  description:
    "docs/conventions.md#patch-semantics: an omitted field is unchanged, unknown fields are rejected. Send the `version` you read (body or `If-Match`); a stale one answers `409 VERSION_CONFLICT` with the current note in `details.current`. Content longer than your plan allows → `400 VALIDATION_ERROR`. A note of an archived task → `409 TASK_ARCHIVED`. A PATCH that changes nothing answers the note unchanged (same version). Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "VERSION_CONFLICT", "TASK_ARCHIVED"],
  request: { params: uuidParam("The note id."), headers: writeHeaders, body: { required: true, content: { "application/json": { schema: updateNoteBody } } } },
  responses: { 200: { description: "The updated note.", content: { "application/json": { schema: dataEnvelope(noteSchema) } } } },
});

export function registerUpdateNote(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const note = await updateNote({ ctx: c.get("services"), input: { ...c.req.valid("json"), id: c.req.valid("param").id, ifMatch: c.req.valid("header")["if-match"] } });
    return c.json({ data: note }, 200);
  });
}
