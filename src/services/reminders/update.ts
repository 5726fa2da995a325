import { sql } from "drizzle-orm";
import type { ReminderChannel } from "../../db/schema/reminders";
import { NotFound } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { checkTaskWritable } from "../tasks/write-support";
import { taskJsonSql, type TaskRecord } from "../tasks/present";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { fireTime, presentReminder, reminderJsonSql, taskIsOpen, timingOf, type Reminder, type ReminderRecord, type TimingInput } from "./present";
import { scheduleReminders } from "./schedule";

export interface UpdateReminderInput extends TimingInput {
  id: string;
  channel?: ReminderChannel | undefined;
}

/** Round trip 1 of a reminder write: the reminder with its task (none: missing or someone else's). */
export function reminderForWriteStatement(ctx: ServiceContext, userId: string, reminderId: string) {
  return ctx.db.execute<{ reminder: ReminderRecord; task: TaskRecord }>(sql`
    select ${reminderJsonSql("r")} as reminder, ${taskJsonSql("t")} as task
    from reminders r join task_instances t on t.id = r.task_id and t.user_id = r.user_id
    where r.id = ${reminderId} and r.user_id = ${userId}`);
}

/**
 * `PATCH /reminders/{id}` (docs/reminders-notifications-realtime.md#reminders): a new time (`remind_at`, or
 * `offset_minutes` – sending the other field switches the kind) and/or `channel`. A new time must lie in the
 * future; it re-arms the reminder – also one that already fired ("remind me again") – and makes the message
 * queued for the old time a no-op. A channel change alone keeps the status. Last write wins (a reminder has
 * no version); the batch re-runs the write if the reminder changed between its read and its commit.
 */
export function updateReminder({ ctx, input }: { ctx: ServiceContext; input: UpdateReminderInput }): Promise<Reminder> {
  return runWrite(ctx, { operation: "reminders.update" }, (unit) => update(unit, input));
}

async function update(unit: WriteUnit, input: UpdateReminderInput): Promise<Reminder> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const timing = timingOf(input, false);
  const rows = unit.read(reminderForWriteStatement(ctx, userId, input.id));
  await unit.load();
  const row = rows.result.rows[0];
  if (row === undefined) throw new NotFound("Reminder");
  const task = checkTaskWritable(row.task, undefined);
  const current = row.reminder;

  const remindAt = timing === undefined ? current.remind_at : fireTime(timing, task, now);
  const next: ReminderRecord = {
    ...current,
    ...(timing !== undefined && {
      kind: timing.kind,
      remind_at: remindAt,
      offset_minutes: timing.kind === "relative" ? timing.offsetMinutes : null,
      status: taskIsOpen(task) ? "pending" : "cancelled",
      fired_at: null,
    }),
    ...(input.channel !== undefined && { channel: input.channel }),
  };
  const changed = timing !== undefined || next.channel !== current.channel;
  if (!changed) return presentReminder(current);
  next.updated_at = stamp;
  unit.write(
    ctx.db.execute(sql`
      with changed as (
        update reminders set kind = ${next.kind}, remind_at = ${next.remind_at}::timestamptz, offset_minutes = ${next.offset_minutes}::int,
          channel = ${next.channel}, status = ${next.status}, fired_at = ${next.fired_at}::timestamptz,
          enqueued_at = ${timing === undefined ? sql`enqueued_at` : sql`null`}, updated_at = ${stamp}::timestamptz
        where id = ${current.id} and user_id = ${userId} and updated_at = ${current.updated_at}::timestamptz
        returning 1)
      select ${guard("STATE_MOVED", sql`exists (select 1 from changed)`)}`),
  );
  if (timing !== undefined && next.status === "pending") {
    unit.afterCommit((after) => scheduleReminders(after, { userId, reminderId: current.id }).then(() => undefined));
  }
  return presentReminder(next);
}
