import { z } from "@hono/zod-openapi";
import { AI_SUGGESTION_KINDS, AI_SUGGESTION_STATUSES } from "../../../db/schema/ai";
import { CHAT_ACTION_TYPES } from "../../../services/ai/suggestions/types";
import { noteSchema } from "../../notes/schemas";
import { reminderSchema, subtaskSchema, taskSchema, completionResultSchema, achievementUnlockSchema } from "../../tasks/schemas";
import { templateSchema } from "../../templates/schemas";

const instant = (description: string) => z.string().openapi({ format: "date-time", description, example: "2026-03-01T09:00:00.000Z" });

/** docs/ai.md#confirmation: a stored suggestion (also the data of the chat's `event: suggestion`). */
export const suggestionSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(AI_SUGGESTION_KINDS).openapi({ description: "`chat_action` (see `action_type`), `subtasks` (subtask generator) or `note_convert` (note converter)." }),
    action_type: z.enum(CHAT_ACTION_TYPES).nullable().openapi({ description: "What a `chat_action` proposes; null for the other kinds." }),
    status: z.enum(AI_SUGGESTION_STATUSES).openapi({ description: "A pending suggestion past `expires_at` reads as `expired`." }),
    payload: z.record(z.string(), z.unknown()).openapi({
      description:
        "The proposed request, valid against the direct endpoint's request schema (`POST /tasks`, `PATCH /tasks/{id}` + `task_id`, `POST /templates`, …). After a confirm: the payload as applied (with the edits).",
    }),
    task_id: z.uuid().nullable().openapi({ description: "The task it is about (update, complete, subtasks, reminder; or the chat's task)." }),
    note_id: z.uuid().nullable().openapi({ description: "The note it converts." }),
    conversation_id: z.uuid().nullable(),
    expires_at: instant("24 h after it was proposed."),
    created_at: instant("When it was proposed."),
    resolved_at: instant("When it was confirmed, rejected or expired; null while pending.").nullable(),
  })
  .openapi("AiSuggestion", {
    example: {
      id: "7e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b",
      kind: "chat_action",
      action_type: "create_task",
      status: "pending",
      payload: { title: "Book the dentist", priority: "medium", due_date: "2026-03-06T09:00:00Z" },
      task_id: null,
      note_id: null,
      conversation_id: "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d",
      expires_at: "2026-03-02T09:00:00.000Z",
      created_at: "2026-03-01T09:00:00.000Z",
      resolved_at: null,
    },
  });

export const noteConversionSchema = z
  .object({ task: taskSchema, subtasks: z.array(subtaskSchema), note: noteSchema.openapi({ description: "The note, now archived and linked to the task." }) })
  .openapi("NoteConversion");

export const confirmBody = z
  .strictObject({
    edits: z
      .record(z.string(), z.unknown())
      .optional()
      .openapi({ description: "Fields of the payload to change first (e.g. `{\"title\": \"…\"}`); the result must still be valid for the direct endpoint. `task_id`/`note_id` cannot be edited." }),
  })
  .openapi("ConfirmSuggestion", { example: { edits: { title: "Book the dentist for Friday" } } });

export const confirmationSchema = z
  .object({
    suggestion: suggestionSchema,
    result: z
      .union([taskSchema, completionResultSchema, z.array(subtaskSchema), templateSchema, reminderSchema, noteConversionSchema])
      .openapi({
        description:
          "What the direct endpoint answers: create_task/update_task → Task; complete_task → TaskCompletion; add_subtasks and kind subtasks → [Subtask]; create_template → Template; create_reminder → Reminder; convert_note and kind note_convert → NoteConversion.",
      }),
    unlocked_achievements: z.array(achievementUnlockSchema),
  })
  .openapi("SuggestionConfirmation");
