import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { ServiceContext } from "../context";
import { setTaskTagsStatements } from "../tags/attach";
import { presentTaskDetail, type ReminderRecord, type TaskDetail } from "../tasks/present";
import type { TaskSnapshot } from "./snapshot";

/**
 * The restored task as the response shows it: the snapshot with a new version and `updated_at`, and
 * reminders as restore leaves them (see restoreTaskStatements).
 */
export function restoredTask(snapshot: TaskSnapshot, stamp: string): TaskDetail {
  return presentTaskDetail({
    ...snapshot.task,
    tags: snapshot.tags,
    version: snapshot.task.version + 1,
    updated_at: stamp,
    subtasks: snapshot.subtasks,
    reminders: snapshot.reminders.map((reminder) => restoredReminder(reminder, stamp, snapshot.task.completed || snapshot.task.archived)),
  });
}

/**
 * Pending reminders still in the future stay pending (the reminders feature re-schedules them: its handler
 * re-syncs them on `task.restored` in the same batch); pending ones whose time passed while the task was
 * deleted are cancelled rather than fired late, and so are those of a completed or archived task – what the
 * reminders handler's re-sync (services/reminders/handler.ts) writes in the same batch, so the answer and
 * the row agree.
 */
function restoredReminder(reminder: ReminderRecord, stamp: string, inactive: boolean): ReminderRecord {
  if (reminder.status !== "pending") return reminder;
  const missed = reminder.remind_at === null || new Date(reminder.remind_at).getTime() <= new Date(stamp).getTime();
  return missed || inactive ? { ...reminder, status: "cancelled", updated_at: inactive && !missed ? stamp : reminder.updated_at } : reminder;
}

/**
 * Re-inserts everything of a task tombstone with the original ids, reading the snapshot from the tombstone
 * row itself (no large parameter). A template deleted meanwhile leaves the task as an ordinary task.
 */
export function restoreTaskStatements(ctx: ServiceContext, userId: string, tombstoneId: string, snapshot: TaskSnapshot, stamp: string): BatchItem<"pg">[] {
  const snap = sql`(select snapshot from deletion_tombstones where id = ${tombstoneId} and user_id = ${userId})`;
  const taskId = snapshot.task.id;
  // An open instance whose series has moved on (the next instance was generated meanwhile, docs/recurring.md)
  // comes back as an ordinary task: a template has at most one open instance, and restoring never duplicates.
  const keepsTemplate = sql`(r.completed or r.archived or not exists (select 1 from task_instances o
    where o.template_id = tt.id and not o.completed and not o.archived))`;
  return [
    ctx.db.execute(sql`
      insert into task_instances (id, user_id, title, description, priority, due_date, estimated_duration, focus_time_seconds,
        completed, completed_at, completed_by, first_completed_at, hidden, archived, template_id, occurrence_at, subtask_count,
        subtasks_completed, version, created_at, updated_at)
      select r.id, ${userId}, r.title, r.description, r.priority, r.due_date, r.estimated_duration, r.focus_time_seconds,
        r.completed, r.completed_at, r.completed_by,
        -- a snapshot taken before first_completed_at existed: a completed task counts as completed at completed_at
        coalesce(r.first_completed_at, case when r.completed then r.completed_at end), r.hidden, r.archived,
        (select tt.id from task_templates tt where tt.id = r.template_id and tt.user_id = ${userId} and ${keepsTemplate}),
        case when exists (select 1 from task_templates tt where tt.id = r.template_id and tt.user_id = ${userId} and ${keepsTemplate}) then r.occurrence_at end,
        r.subtask_count, r.subtasks_completed, r.version + 1, r.created_at, ${stamp}::timestamptz
      from jsonb_populate_record(null::task_instances, ${snap}->'task') r`),
    ctx.db.execute(sql`
      insert into subtasks (id, task_id, user_id, title, completed, completed_at, position, source, version, created_at, updated_at)
      select r.id, ${taskId}, ${userId}, r.title, r.completed, r.completed_at, r.position, r.source, r.version, r.created_at, r.updated_at
      from jsonb_populate_recordset(null::subtasks, ${snap}->'subtasks') r`),
    ctx.db.execute(sql`
      insert into notes (id, user_id, task_id, content, source, audio_duration_seconds, transcript_status, archived,
        converted_task_id, converted_at, version, created_at, updated_at)
      select r.id, ${userId}, ${taskId}, r.content, r.source, r.audio_duration_seconds, r.transcript_status, r.archived,
        (select t.id from task_instances t where t.id = r.converted_task_id),
        case when exists (select 1 from task_instances t where t.id = r.converted_task_id) then r.converted_at end,
        r.version, r.created_at, r.updated_at
      from jsonb_populate_recordset(null::notes, ${snap}->'notes') r`),
    ctx.db.execute(sql`
      insert into reminders (id, user_id, task_id, kind, remind_at, offset_minutes, channel, status, fired_at, enqueued_at, created_at, updated_at)
      select r.id, ${userId}, ${taskId}, r.kind, r.remind_at, r.offset_minutes, r.channel,
        case when r.status = 'pending' and r.remind_at <= ${stamp}::timestamptz then 'cancelled' else r.status end,
        r.fired_at, null, r.created_at, r.updated_at
      from jsonb_populate_recordset(null::reminders, ${snap}->'reminders') r`),
    ctx.db.execute(sql`
      update notes set converted_task_id = ${taskId}, converted_at = coalesce(converted_at, ${stamp}::timestamptz)
      where user_id = ${userId} and converted_task_id is null
        and id in (select (jsonb_array_elements_text(${snap}->'converted_note_ids'))::uuid)`),
    ...setTaskTagsStatements(ctx, userId, taskId, snapshot.tags, { fresh: true }),
  ];
}
