import { sql, type SQL } from "drizzle-orm";
import type { ReminderChannel, ReminderKind } from "../../db/schema/reminders";
import { ValidationFailed } from "../../errors/api-error";
import type { Task } from "../tasks/present";

export { presentReminder, type Reminder, type ReminderRecord } from "../tasks/present";

/** At most this many reminders on one task (docs/reminders-notifications-realtime.md#reminders). */
export const MAX_REMINDERS_PER_TASK = 5;

/** A reminder row of `reminders <alias>` as a ReminderRecord JSON object (SQL); the queue bookkeeping stays inside. */
export function reminderJsonSql(alias: string): SQL {
  return sql`(to_jsonb(${sql.raw(alias)}) - 'user_id' - 'enqueued_at')`;
}

/** A reminder fires only for an open task: not completed, not archived. */
export function taskIsOpen(task: Pick<Task, "completed" | "archived">): boolean {
  return !task.completed && !task.archived;
}

/** When a reminder fires, as the client asked for it: an instant, or minutes relative to the task's due date. */
export type ReminderTiming = { kind: "absolute"; remindAt: string } | { kind: "relative"; offsetMinutes: number };

export interface TimingInput {
  kind?: ReminderKind | undefined;
  remind_at?: string | undefined;
  offset_minutes?: number | undefined;
}

/**
 * The timing a create or PATCH asks for: exactly one of `remind_at` (absolute) or `offset_minutes` (relative);
 * `kind`, when sent, must agree. Undefined when the input names no timing (a PATCH of the channel only).
 */
export function timingOf(input: TimingInput, required: boolean): ReminderTiming | undefined {
  const given = input.remind_at !== undefined ? "absolute" : input.offset_minutes !== undefined ? "relative" : undefined;
  if (input.remind_at !== undefined && input.offset_minutes !== undefined) {
    throw new ValidationFailed([{ field: "body.remind_at", reason: "Send either remind_at (absolute) or offset_minutes (relative), not both." }]);
  }
  if (given === undefined) {
    if (required || input.kind !== undefined) {
      const field = input.kind === "relative" ? "body.offset_minutes" : "body.remind_at";
      throw new ValidationFailed([{ field, reason: input.kind === "relative" ? "A relative reminder needs offset_minutes." : "Send remind_at (absolute) or offset_minutes (relative)." }]);
    }
    return undefined;
  }
  if (input.kind !== undefined && input.kind !== given) {
    throw new ValidationFailed([{ field: "body.kind", reason: `kind ${input.kind} does not match the field sent (${given === "absolute" ? "remind_at" : "offset_minutes"}).` }]);
  }
  return input.remind_at !== undefined ? { kind: "absolute", remindAt: new Date(input.remind_at).toISOString() } : { kind: "relative", offsetMinutes: input.offset_minutes ?? 0 };
}

/**
 * The instant a timing fires at for this task, checked: a relative reminder needs a due date, and a reminder
 * must lie in the future (one that can never fire is refused rather than stored as `cancelled`).
 */
export function fireTime(timing: ReminderTiming, task: Pick<Task, "due_date">, now: Date): string {
  if (timing.kind === "relative") {
    if (task.due_date === null) {
      throw new ValidationFailed([{ field: "body.offset_minutes", reason: "The task has no due date; a relative reminder needs one (set due_date, or send remind_at)." }]);
    }
    const at = new Date(new Date(task.due_date).getTime() + timing.offsetMinutes * 60_000);
    if (at.getTime() <= now.getTime()) {
      throw new ValidationFailed([{ field: "body.offset_minutes", reason: `due_date ${timing.offsetMinutes} min is ${at.toISOString()}, which has passed.` }]);
    }
    return at.toISOString();
  }
  if (Date.parse(timing.remindAt) <= now.getTime()) {
    throw new ValidationFailed([{ field: "body.remind_at", reason: "remind_at has passed; a reminder must lie in the future." }]);
  }
  return timing.remindAt;
}

export type { ReminderChannel };
