import { sql } from "drizzle-orm";
import type { EventHandler } from "../events/handlers";
import type { DomainEvent } from "../events/types";
import type { WriteUnit } from "../unit-of-work";
import { scheduleReminders } from "./schedule";

/** The task changes that move or (dis)arm its reminders: due date, completion, archiving, restore. */
function touchedTask(event: DomainEvent): { taskId: string; arms: boolean } | undefined {
  switch (event.type) {
    case "task.updated":
      return "due_date" in event.changes || "archived" in event.changes ? { taskId: event.task.id, arms: true } : undefined;
    case "task.completed":
      return { taskId: event.task.id, arms: false };
    case "task.reopened":
    case "task.restored":
      return { taskId: event.task.id, arms: true };
    default:
      return undefined;
  }
}

/**
 * Keeps a task's reminders in step with the task (docs/reminders-notifications-realtime.md "Reminders, as
 * built"), in the batch of the write that changed it: ONE statement recomputes, from the task row as this
 * batch left it, every reminder that has not fired – a relative one's time from the due date, and the status:
 * `cancelled` while the task is completed or archived, or when its time moved into the past or away (no due
 * date); `pending` again when the task is open and the time lies ahead (reopen, un-archive, a due date moved
 * back into the future). A changed time or a re-armed reminder leaves the queue (`enqueued_at` null) and,
 * after the commit, is handed to it again for its new second; the message for the old time does nothing.
 */
export const remindersHandler: EventHandler = {
  name: "reminders",
  open(unit) {
    if (unit.userId === undefined) return undefined;
    const userId = unit.userId;
    return (events) => {
      const tasks = new Map<string, boolean>();
      for (const event of events) {
        const touched = touchedTask(event);
        if (touched) tasks.set(touched.taskId, (tasks.get(touched.taskId) ?? false) || touched.arms);
      }
      for (const [taskId, arms] of tasks) {
        unit.write(resyncStatement(unit, userId, taskId));
        if (arms) unit.afterCommit((after) => scheduleReminders(after, { userId, taskId }).then(() => undefined));
      }
    };
  },
};

function resyncStatement(unit: WriteUnit, userId: string, taskId: string) {
  const at = unit.ctx.clock.now().toISOString();
  const moved = sql`(case when r.kind = 'relative' then t.due_date + make_interval(mins => r.offset_minutes) else r.remind_at end)`;
  const status = sql`(case
    when t.completed or t.archived or ${moved} is null then 'cancelled'
    when ${moved} > ${at}::timestamptz then 'pending'
    when ${moved} is distinct from r.remind_at then 'cancelled'
    else r.status end)`;
  return unit.ctx.db.execute(sql`
    update reminders r set remind_at = ${moved}, status = ${status}, updated_at = ${at}::timestamptz,
      enqueued_at = case when ${moved} is not distinct from r.remind_at and r.status = 'pending' then r.enqueued_at end
    from task_instances t
    where r.task_id = ${taskId} and r.user_id = ${userId} and t.id = r.task_id and t.user_id = r.user_id
      and r.status in ('pending', 'cancelled')
      and (${moved} is distinct from r.remind_at or ${status} <> r.status)`);
}
