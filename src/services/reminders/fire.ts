import { metrics } from "../metrics/recorder";
import { sql } from "drizzle-orm";
import type { ReminderStatus } from "../../db/schema/reminders";
import { guard } from "../guards";
import { presentNotification, type Notification } from "../notifications/present";
import type { MessageHandler, QueueMessage } from "../outbox/messages";
import { enqueuePush } from "../push/deliver";
import { taskJsonSql, type TaskRecord } from "../tasks/present";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { ReminderMoved } from "./errors";
import { reminderJsonSql, taskIsOpen, type ReminderRecord } from "./present";

/** A message may arrive this much before its second and still fire (queue delays are whole seconds). */
const EARLY_TOLERANCE_MS = 500;
const TITLE_MAX = 200;

type FireMessage = Extract<QueueMessage, { type: "reminder_fire" }>;

interface FireRow extends Record<string, unknown> {
  reminder: ReminderRecord;
  task: TaskRecord;
  has_push: boolean;
}

/**
 * The `reminder_fire` consumer (docs/reminders-notifications-realtime.md "Firing, as built"), a unit of work of
 * ≤ 2 round trips: the reminder with its task (round trip 1), then one batch. It fires only a reminder still
 * `pending` at exactly the time the message was scheduled for – after a change of the time, or once it fired,
 * a message does nothing – and only for an open task: for a completed or archived one it is `cancelled`
 * instead (a deleted task took its reminders with it). Firing is the guarded transition pending → sent with
 * the notification in the same statement; a redelivered or parallel message loses the guard, re-runs, and
 * does nothing (guard REMINDER_MOVED, no third round trip). The notification is published on the real-time stream (`notification.created`)
 * and, for channel push|both, handed to the push queue.
 */
export const fireReminder: MessageHandler<"reminder_fire"> = async ({ ctx, message }) => {
  const started = ctx.clock.now().getTime();
  const outcome = await runWrite(ctx, { operation: "reminders.fire", userId: message.user_id, subjectId: message.reminder_id }, (unit) => fire(unit, message)).catch(
    (error: unknown): FireOutcome => {
      if (error instanceof ReminderMoved) return { outcome: "stale" };
      throw error;
    },
  );
  if (outcome.outcome === "sent" || outcome.outcome === "failed") {
    metrics.observe("reminder_lateness_seconds", {}, (ctx.clock.now().getTime() - Date.parse(message.remind_at)) / 1000);
  }
  ctx.log.info(`reminder ${outcome.outcome}`, {
    ...outcome,
    reminder_id: message.reminder_id,
    ...(outcome.outcome === "sent" || outcome.outcome === "failed" ? { lateness_ms: started - Date.parse(message.remind_at) } : {}),
  });
};

interface FireOutcome {
  outcome: "gone" | "stale" | "early" | "cancelled" | "sent" | "failed";
  push?: boolean;
}

async function fire(unit: WriteUnit, message: FireMessage): Promise<FireOutcome> {
  const ctx = unit.ctx;
  const rows = unit.read(
    ctx.db.execute<FireRow>(sql`
      select ${reminderJsonSql("r")} as reminder, ${taskJsonSql("t")} as task,
        exists (select 1 from push_subscriptions p where p.user_id = r.user_id) as has_push
      from reminders r join task_instances t on t.id = r.task_id and t.user_id = r.user_id
      where r.id = ${message.reminder_id} and r.user_id = ${message.user_id}`),
  );
  await unit.load();
  const row = rows.result.rows[0];
  // Deleted, or its task was (the reminders went with it; a restore re-arms them with new messages).
  if (row === undefined) return { outcome: "gone" };
  const { reminder, task } = row;
  const scheduledFor = Date.parse(message.remind_at);
  if (reminder.status !== "pending" || reminder.remind_at === null || Date.parse(reminder.remind_at) !== scheduledFor) return { outcome: "stale" };
  const now = ctx.clock.now();
  if (scheduledFor - now.getTime() > EARLY_TOLERANCE_MS) {
    // Early (a clock step, a relay without delay): put it back for the rest of the wait.
    await ctx.env.REMINDERS_QUEUE.send(message, { delaySeconds: Math.ceil((scheduledFor - now.getTime()) / 1000) });
    return { outcome: "early" };
  }
  const stamp = now.toISOString();
  // The reminder as this message knows it; times compare at the millisecond the message carries.
  const same = sql`id = ${reminder.id} and user_id = ${message.user_id} and status = 'pending'
    and date_trunc('milliseconds', remind_at) = ${message.remind_at}::timestamptz`;
  if (!taskIsOpen(task)) {
    unit.write(ctx.db.execute(sql`update reminders set status = 'cancelled', updated_at = ${stamp}::timestamptz where ${same}`));
    return { outcome: "cancelled" };
  }

  const push = reminder.channel !== "in_app" && row.has_push;
  // Push-only with no device to push to: the notification is the fallback, unread, and the reminder `failed`.
  const status: ReminderStatus = reminder.channel === "push" && !row.has_push ? "failed" : "sent";
  const notification = reminderNotification(reminder, task, stamp, { read: reminder.channel === "push" && status === "sent" });
  unit.write(
    ctx.db.execute(sql`
      with fired as (
        update reminders set status = ${status}, fired_at = ${stamp}::timestamptz, updated_at = ${stamp}::timestamptz
        where ${same}
        returning id),
      notified as (
        insert into notifications (id, user_id, type, title, body, data, read_at, created_at)
        select ${notification.id}, ${message.user_id}, 'reminder', ${notification.title}, ${notification.body},
          ${JSON.stringify(notification.data)}::jsonb, ${notification.read ? sql`${stamp}::timestamptz` : sql`null`}, ${stamp}::timestamptz
        from fired
        returning 1)
      select ${guard("REMINDER_MOVED", sql`exists (select 1 from notified)`)}`),
  );
  unit.emit({ type: "notification.created", notification });
  if (push) enqueuePush(unit, notification.id);
  return { outcome: status, push };
}

/**
 * The notification of a fired reminder: the task's title, its due date when it has one (the client formats it
 * in the user's zone), and deep-link data. A push-only reminder's notification is stored read: it is the
 * history of what was pushed, not a new item for the in-app badge.
 */
function reminderNotification(reminder: ReminderRecord, task: TaskRecord, stamp: string, options: { read: boolean }): Notification {
  const dueDate = task.due_date === null ? null : new Date(task.due_date).toISOString();
  return presentNotification({
    id: crypto.randomUUID(),
    type: "reminder",
    title: truncate(`Reminder: ${task.title}`, TITLE_MAX),
    body: dueDate === null ? "" : `Due ${dueDate}`,
    data: { task_id: task.id, reminder_id: reminder.id, remind_at: new Date(reminder.remind_at ?? stamp).toISOString(), due_date: dueDate },
    read_at: options.read ? stamp : null,
    created_at: stamp,
  });
}

function truncate(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

