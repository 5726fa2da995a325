import { z } from "@hono/zod-openapi";
import { createNote } from "../../services/notes/create";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, WRITE_ERRORS } from "../shared-schemas";
import { noteContentSchema, noteSchema } from "./schemas";

const createNoteBody = z
  .strictObject({
    content: noteContentSchema,
    task_id: z.uuid().nullable().optional().openapi({ description: "The task the note belongs to; omitted or null: a standalone note." }),
  })
  .openapi("CreateNote", { example: { content: "Call the printer about the March invoice.", task_id: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b" } });

const route = defineRoute({
  method: "post",
  path: "/notes",
  tags: ["Notes"],
  summary: "Create a note",
  description:
    "docs/notes-and-voice.md. A note on a task, or standalone. Free plan: at most 10 notes per task and 50 standalone notes (configurable, plus `max_notes` perks; Pro has no count limit) → `409 LIMIT_EXCEEDED` with `details: {limit, current}`, exact under concurrent requests. Content longer than the plan allows → `400 VALIDATION_ERROR`. An unknown task → 404; an archived task → `409 TASK_ARCHIVED`. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "LIMIT_EXCEEDED", "TASK_ARCHIVED"],
  request: { headers: idempotencyHeaders, body: { required: true, content: { "application/json": { schema: createNoteBody } } } },
  responses: { 201: { description: "The created note.", content: { "application/json": { schema: dataEnvelope(noteSchema) } } } },
});

export function registerCreateNote(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const note = await createNote({ ctx: c.get("services"), input: c.req.valid("json") });
    return c.json({ data: note }, 201);
  });
}
