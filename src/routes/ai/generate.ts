import { z } from "@hono/zod-openapi";
import { convertNoteWithAi } from "../../services/ai/generate/convert-note";
import { generateSubtasks } from "../../services/ai/generate/subtasks";
import { dataEnvelope } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, uuidParam, WRITE_ERRORS } from "../shared-schemas";
import { defineAiRoute } from "./define-ai-route";

/** What every AI answer carries (SPEC §7 contract details). */
const chargedFields = {
  ai_request_warning: z.boolean().openapi({ description: "From the 5th AI request on the same task in this login session (the 11th is refused with 429 AI_TASK_LIMIT_REACHED)." }),
  credits_used: z.number().int().openapi({ description: "Credits this call took (1, configurable)." }),
  credits_remaining: z.number().int().openapi({ description: "Usable credits after it." }),
};

const titleSchema = z.object({ title: z.string().openapi({ example: "Book the venue" }) });

const generatedSubtasksSchema = z
  .object({
    suggestion_id: z.uuid().openapi({ description: "The stored suggestion (kind `subtasks`, 24 h): confirm it with `POST /ai/suggestions/{id}/confirm`, optionally with `edits.subtasks`." }),
    suggestions: z.array(titleSchema).openapi({ description: "The proposed subtasks, never more than the task's free subtask slots." }),
    ...chargedFields,
  })
  .openapi("GeneratedSubtasks");

const taskProposalSchema = z
  .object({
    title: z.string(),
    description: z.string(),
    priority: z.enum(["low", "medium", "high"]),
    due_date: z.string().nullable().openapi({ description: "An ISO 8601 instant when the note names a deadline." }),
    subtasks: z.array(titleSchema),
  })
  .openapi("TaskProposal");

const convertedNoteSchema = z
  .object({
    suggestion_id: z.uuid().openapi({ description: "The stored suggestion (kind `note_convert`, 24 h); confirming it creates the task and links and archives the note." }),
    suggestion: taskProposalSchema,
    ...chargedFields,
  })
  .openapi("ConvertedNote");

const hintBody = z.strictObject({
  hint: z.string().min(1).max(500).optional().openapi({ description: "Optional guidance for the generator, e.g. \"for a team of three\"." }),
});

const AI_CALL_ERRORS = [...WRITE_ERRORS, "NOT_FOUND", "INSUFFICIENT_CREDITS", "AI_TASK_LIMIT_REACHED"] as const;

const subtasks = defineAiRoute({
  method: "post",
  path: "/ai/tasks/{id}/subtasks",
  tags: ["AI"],
  summary: "Propose subtasks for a task",
  description:
    "docs/ai.md#subtask-generator: the SubtaskGenerator proposes subtasks (structured output) – never more than the task's free subtask slots (none free → `409 LIMIT_EXCEEDED`, nothing charged). Stored as ONE suggestion of kind `subtasks`; nothing changes on the task until it is confirmed. 1 credit (`402 INSUFFICIENT_CREDITS` before the model is called), refunded exactly when the model fails, times out (AI_TIMEOUT_SECONDS) or proposes nothing usable (`503 AI_SERVICE_UNAVAILABLE`). Counted per task and login session. Requires `Idempotency-Key`: a retry replays the answer without a second charge or model call.",
  errors: [...AI_CALL_ERRORS, "TASK_ARCHIVED", "LIMIT_EXCEEDED"],
  request: {
    params: uuidParam("The task id."),
    headers: idempotencyHeaders,
    body: { required: false, content: { "application/json": { schema: hintBody } } },
  },
  responses: { 201: { description: "The proposal, stored as a suggestion.", content: { "application/json": { schema: dataEnvelope(generatedSubtasksSchema) } } } },
});

const convert = defineAiRoute({
  method: "post",
  path: "/ai/notes/{id}/convert",
  tags: ["AI"],
  summary: "Propose a task from a note",
  description:
    "docs/ai.md#note-converter: the NoteConverter turns the note into one task proposal `{title, description, priority, due_date, subtasks}`, stored as ONE suggestion of kind `note_convert`; confirming it creates the task, links the note to it and archives the note. A note already converted → `409 VERSION_CONFLICT`; an empty note → `400`; both before any charge. 1 credit, refunded exactly on a model failure or timeout (`503 AI_SERVICE_UNAVAILABLE`). Requires `Idempotency-Key`.",
  errors: [...AI_CALL_ERRORS, "TASK_ARCHIVED", "VERSION_CONFLICT"],
  request: { params: uuidParam("The note id."), headers: idempotencyHeaders },
  responses: { 201: { description: "The proposal, stored as a suggestion.", content: { "application/json": { schema: dataEnvelope(convertedNoteSchema) } } } },
});

/** docs/ai.md generators. Mounted after the AI gate (./gate.ts). */
export function mountAiGenerators(router: AppRouter): void {
  router.openapi(subtasks, async (c) => {
    const body = c.req.header("content-type")?.includes("json") ? c.req.valid("json") : {};
    const result = await generateSubtasks({ ctx: c.get("services"), input: { taskId: c.req.valid("param").id, ...(body.hint !== undefined && { hint: body.hint }) } });
    return c.json({ data: result }, 201);
  });
  router.openapi(convert, async (c) => c.json({ data: await convertNoteWithAi({ ctx: c.get("services"), input: { noteId: c.req.valid("param").id } }) }, 201));
}
