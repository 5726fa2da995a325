import { sql, type SQL } from "drizzle-orm";
import type { ReminderChannel } from "../../db/schema/reminders";
import { LimitExceeded } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { checkTaskWritable, lockTaskStatement, taskForWriteStatement } from "../tasks/write-support";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { fireTime, MAX_REMINDERS_PER_TASK, presentReminder, taskIsOpen, timingOf, type Reminder, type TimingInput } from "./present";
import { scheduleReminders } from "./schedule";

export interface CreateReminderInput extends TimingInput {
  taskId: string;
  channel?: ReminderChannel | undefined;
}

/**
 * `POST /tasks/{id}/reminders` (docs/reminders-notifications-realtime.md#reminders): absolute (`remind_at`) or
 * relative to the due date (`offset_minutes`), in the future, ≤ 5 per task – exact under parallel creates: the
 * batch locks the task row first, so the count guard of each insert sees the ones committed before it. A
 * reminder on a completed task is stored `cancelled` (reopening arms it). After the commit it is handed to
 * the queue when due within its range (scheduleReminders). ≤ 2 round trips.
 */
export function createReminder({ ctx, input }: { ctx: ServiceContext; input: CreateReminderInput }): Promise<Reminder> {
  return runWrite(ctx, { operation: "reminders.create", status: 201, subjectId: input.taskId }, (unit) => create(unit, input));
}

/** Round trip 1: the task's reminders so far (`taskId` may be SQL, see taskForWriteStatement). */
export function reminderCountStatement(ctx: ServiceContext, userId: string, taskId: string | SQL) {
  return ctx.db.execute<{ count: number }>(sql`select count(*)::int as count from reminders where task_id = ${taskId} and user_id = ${userId}`);
}

async function create(unit: WriteUnit, input: CreateReminderInput): Promise<Reminder> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const timing = timingOf(input, true);
  const taskRows = unit.read(taskForWriteStatement(ctx, userId, input.taskId));
  const countRows = unit.read(reminderCountStatement(ctx, userId, input.taskId));
  await unit.load();
  const task = checkTaskWritable(taskRows.result.rows[0]?.task, undefined);
  if (timing === undefined) throw new Error("timingOf(required) returned no timing");
  const remindAt = fireTime(timing, task, now);
  const current = countRows.result.rows[0]?.count ?? 0;
  if (current >= MAX_REMINDERS_PER_TASK) throw new LimitExceeded("reminders on this task", MAX_REMINDERS_PER_TASK, current);

  const reminder = presentReminder({
    id: crypto.randomUUID(),
    task_id: task.id,
    kind: timing.kind,
    remind_at: remindAt,
    offset_minutes: timing.kind === "relative" ? timing.offsetMinutes : null,
    channel: input.channel ?? "both",
    status: taskIsOpen(task) ? "pending" : "cancelled",
    fired_at: null,
    created_at: stamp,
    updated_at: stamp,
  });
  unit.writeAll([
    lockTaskStatement(ctx, userId, task.id),
    // Deleted meanwhile: 404, not a foreign-key error.
    ctx.db.execute(sql`select ${guard("TASK_NOT_FOUND", sql`exists (select 1 from task_instances where id = ${task.id} and user_id = ${userId})`)}`),
    ctx.db.execute(sql`
      with added as (
        insert into reminders (id, user_id, task_id, kind, remind_at, offset_minutes, channel, status, created_at, updated_at)
        select ${reminder.id}, ${userId}, ${task.id}, ${reminder.kind}, ${remindAt}::timestamptz, ${reminder.offset_minutes}::int,
          ${reminder.channel}, ${reminder.status}, ${stamp}::timestamptz, ${stamp}::timestamptz
        where (select count(*) from reminders where task_id = ${task.id} and user_id = ${userId}) < ${MAX_REMINDERS_PER_TASK}
        returning 1)
      select ${guard(
        "REMINDER_LIMIT",
        sql`exists (select 1 from added)`,
        sql`jsonb_build_object('limit', ${MAX_REMINDERS_PER_TASK}::int, 'current', (select count(*) from reminders where task_id = ${task.id} and user_id = ${userId}))`,
      )}`),
  ]);
  if (reminder.status === "pending") unit.afterCommit((after) => scheduleReminders(after, { userId, reminderId: reminder.id }).then(() => undefined));
  return reminder;
}
