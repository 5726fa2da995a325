/**
 * docs/ai.md#confirmation: what a suggestion's payload may hold, per action type and kind. Each schema IS
 * the direct endpoint's request schema (or a derivation of it that adds the target id the URL carries
 * there), so a payload that passes here passes the endpoint's own validation, and a confirm's merged edits
 * are re-checked with the same rules. Rules only the service can check (tier limits, an RRULE's grammar, a
 * reminder in the past) are checked when the suggestion is confirmed, by that service.
 */
import { z } from "@hono/zod-openapi";
import { createReminderBody } from "../../../routes/reminders/schemas";
import { completionBody, createSubtaskBody, createTaskBody, updateTaskBody } from "../../../routes/tasks/schemas";
import { createTemplateBody } from "../../../routes/templates/schemas";
import { versionSchema } from "../../../routes/shared-schemas";
import type { ChatActionType } from "./types";

/** More subtasks than any plan has slots for is never a sensible proposal; the real limit applies at confirm. */
export const MAX_PROPOSED_SUBTASKS = 20;

const targetTask = { task_id: z.uuid() };
const proposedSubtasks = z.array(createSubtaskBody).min(1).max(MAX_PROPOSED_SUBTASKS);

/** The task a note becomes (`POST /ai/notes/{id}/convert`): `POST /tasks`'s fields plus its subtasks. */
export const noteConversionPayload = createTaskBody
  .pick({ title: true, description: true, priority: true, due_date: true })
  .extend({ subtasks: z.array(createSubtaskBody).max(MAX_PROPOSED_SUBTASKS).optional() });

/** `chat_action` payloads by `action_type`. Target ids are part of the payload (the direct endpoint has them in its path). */
export const ACTION_PAYLOADS = {
  create_task: createTaskBody,
  // `PATCH /tasks/{id}` requires a version (body or If-Match); a proposal has no header, so the body field is required.
  update_task: updateTaskBody.extend({ ...targetTask, version: versionSchema }),
  complete_task: completionBody.extend(targetTask),
  add_subtasks: z.strictObject({ ...targetTask, subtasks: proposedSubtasks }),
  create_template: createTemplateBody,
  create_reminder: createReminderBody.extend(targetTask),
  convert_note: noteConversionPayload.extend({ note_id: z.uuid() }),
} as const satisfies Record<ChatActionType, z.ZodType>;

/** Payloads of the generator kinds: their target is the suggestion's `task_id` / `note_id` column. */
export const KIND_PAYLOADS = {
  subtasks: z.strictObject({ subtasks: proposedSubtasks }),
  note_convert: noteConversionPayload,
} as const;

export type ActionPayload<A extends ChatActionType> = z.infer<(typeof ACTION_PAYLOADS)[A]>;
export type SubtasksPayload = z.infer<typeof KIND_PAYLOADS.subtasks>;
export type NoteConversionPayload = z.infer<typeof noteConversionPayload>;

/** Payload fields a confirm's `edits` may not change: what the suggestion is about. */
export const TARGET_FIELDS = ["task_id", "note_id"] as const;

export function isChatActionType(value: string): value is ChatActionType {
  return Object.hasOwn(ACTION_PAYLOADS, value);
}

/** A zod failure as the reason a proposal was dropped (short, for the log line). */
export function issuesReason(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join(".") || "payload"}: ${issue.message}`)
    .join("; ");
}
