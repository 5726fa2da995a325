/**
 * docs/ai.md#confirmation: what confirming a suggestion does, per action type and kind – the payload schema
 * (./payloads.ts: the direct endpoint's own request schema) and `apply`: the direct endpoint's service,
 * joining the confirm's write (`unit.ctx`, actor `ai`). Its answer and status are the direct endpoint's.
 */
import type { z } from "@hono/zod-openapi";
import { NotFound } from "../../../errors/api-error";
import { createTemplate } from "../../recurring/create";
import type { Template } from "../../recurring/present";
import { createReminder } from "../../reminders/create";
import type { Reminder } from "../../reminders/present";
import { createSubtask } from "../../subtasks/create";
import { changeCompletion, type CompletionResult } from "../../tasks/complete";
import { createTask } from "../../tasks/create";
import type { Subtask, Task } from "../../tasks/present";
import { updateTask } from "../../tasks/update";
import type { WriteUnit } from "../../unit-of-work";
import { convertNote, type NoteConversion } from "./convert-note";
import { ACTION_PAYLOADS, KIND_PAYLOADS } from "./payloads";
import type { ChatActionType } from "./types";

/** What a confirm answers under `result`: exactly the direct endpoint's `data`. */
export type ActionResult = Task | CompletionResult | Subtask[] | Template | Reminder | NoteConversion;

/** What a suggestion is about: its `task_id` / `note_id` columns (edits cannot change them). */
export interface Target {
  taskId: string | null;
  noteId: string | null;
}

/** A payload that passed its schema, ready to run; or the schema's complaint. */
export type Checked = { ok: true; run: (unit: WriteUnit, target: Target) => Promise<ActionResult> } | { ok: false; error: z.ZodError };

export interface SuggestionAction {
  /** The direct endpoint's success status. */
  status: 200 | 201;
  check(payload: unknown): Checked;
}

function action<S extends z.ZodType>(schema: S, status: 200 | 201, apply: (unit: WriteUnit, payload: z.output<S>, target: Target) => Promise<ActionResult>): SuggestionAction {
  return {
    status,
    check(payload) {
      const parsed = schema.safeParse(payload);
      return parsed.success ? { ok: true, run: (unit, target) => apply(unit, parsed.data, target) } : { ok: false, error: parsed.error };
    },
  };
}

function taskOf(target: Target): string {
  if (target.taskId === null) throw new NotFound("Task");
  return target.taskId;
}

function noteOf(target: Target): string {
  if (target.noteId === null) throw new NotFound("Note");
  return target.noteId;
}

/**
 * `POST /tasks/{id}/subtasks` once per proposed subtask, all in the confirm's batch: the subtask service's
 * own guard keeps the count within the plan's per-task limit (a proposal beyond the free slots fails whole
 * with 409 LIMIT_EXCEEDED, nothing added – the user can edit the list down). Positions follow the order.
 */
function addSubtasks(unit: WriteUnit, taskId: string, subtasks: readonly { title: string }[]): Promise<Subtask[]> {
  return Promise.all(subtasks.map(({ title }) => createSubtask({ ctx: unit.ctx, input: { taskId, title, source: "ai" } })));
}

/** `chat_action` suggestions by action type. */
export const ACTIONS: Record<ChatActionType, SuggestionAction> = {
  create_task: action(ACTION_PAYLOADS.create_task, 201, (unit, payload) => createTask({ ctx: unit.ctx, input: payload })),
  update_task: action(ACTION_PAYLOADS.update_task, 200, (unit, { task_id: _target, ...fields }, target) =>
    updateTask({ ctx: unit.ctx, input: { ...fields, id: taskOf(target) } }),
  ),
  complete_task: action(ACTION_PAYLOADS.complete_task, 200, (unit, payload, target) =>
    changeCompletion({ ctx: unit.ctx, input: { id: taskOf(target), action: "complete", version: payload.version } }),
  ),
  add_subtasks: action(ACTION_PAYLOADS.add_subtasks, 201, (unit, payload, target) => addSubtasks(unit, taskOf(target), payload.subtasks)),
  create_template: action(ACTION_PAYLOADS.create_template, 201, (unit, payload) => createTemplate({ ctx: unit.ctx, input: payload })),
  create_reminder: action(ACTION_PAYLOADS.create_reminder, 201, (unit, { task_id: _target, ...timing }, target) =>
    createReminder({ ctx: unit.ctx, input: { ...timing, taskId: taskOf(target) } }),
  ),
  convert_note: action(ACTION_PAYLOADS.convert_note, 201, (unit, { note_id: _target, ...payload }, target) => convertNote(unit, noteOf(target), payload)),
};

/** The generator kinds. */
export const KIND_ACTIONS = {
  subtasks: action(KIND_PAYLOADS.subtasks, 201, (unit, payload, target) => addSubtasks(unit, taskOf(target), payload.subtasks)),
  note_convert: action(KIND_PAYLOADS.note_convert, 201, (unit, payload, target) => convertNote(unit, noteOf(target), payload)),
} satisfies Record<"subtasks" | "note_convert", SuggestionAction>;
