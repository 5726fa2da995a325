import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import type { ReminderRecord, SubtaskRecord, TaskRecord } from "../tasks/present";
import type { NoteRecord } from "../notes/present";

/** docs/recovery-and-activity.md: a user keeps the 3 most recent tombstones, each restorable for 7 days. */
export const TOMBSTONES_KEPT = 3;
export const TOMBSTONE_DAYS = 7;

/**
 * The snapshot of a deleted task, stored as `deletion_tombstones.snapshot` (format version 1). Rows are
 * whole `to_jsonb(row)` objects (generated columns removed), so a restore re-inserts every column with the
 * original ids. A notes feature that tombstones a standalone note stores `{ v: 1, note: <row> }` and adds
 * its restorer next to restoreTaskStatements (services/recovery/restore-task.ts).
 */
export interface TaskSnapshot {
  v: 1;
  task: TaskRecord & { user_id: string };
  subtasks: SubtaskRecord[];
  notes: Record<string, unknown>[];
  reminders: ReminderRecord[];
  tags: string[];
  /** Notes that had been converted into this task (their link is SET NULL by the delete). */
  converted_note_ids: string[];
}

/**
 * The snapshot of a standalone deletion of a note (docs/notes-and-voice.md): the whole `to_jsonb(row)`, so a
 * restore re-inserts it with its id (services/recovery/restore-note.ts). A note deleted with its task is in
 * the task's snapshot instead.
 */
export interface NoteSnapshot {
  v: 1;
  note: NoteRecord & { user_id: string; converted_task_id: string | null; converted_at: string | null };
}

/** SQL building a NoteSnapshot from the live row. */
export function noteSnapshotSql(userId: string, noteId: string) {
  return sql`(select jsonb_build_object('v', 1, 'note', to_jsonb(n)) from notes n where n.id = ${noteId} and n.user_id = ${userId})`;
}

/** SQL building a TaskSnapshot from the live rows (run after the task row is locked). */
export function taskSnapshotSql(userId: string, taskId: string) {
  return sql`(select jsonb_build_object(
      'v', 1,
      'task', to_jsonb(t) - 'search' - 'priority_rank',
      'subtasks', coalesce((select jsonb_agg(to_jsonb(s) order by s.position, s.created_at, s.id) from subtasks s where s.task_id = t.id and s.user_id = t.user_id), '[]'::jsonb),
      'notes', coalesce((select jsonb_agg(to_jsonb(n) order by n.created_at, n.id) from notes n where n.task_id = t.id and n.user_id = t.user_id), '[]'::jsonb),
      'reminders', coalesce((select jsonb_agg(to_jsonb(r) order by r.remind_at nulls last, r.created_at, r.id) from reminders r where r.task_id = t.id and r.user_id = t.user_id), '[]'::jsonb),
      'tags', coalesce((select jsonb_agg(g.name order by g.name) from task_tags tt join tags g on g.id = tt.tag_id where tt.task_id = t.id and tt.user_id = t.user_id), '[]'::jsonb),
      'converted_note_ids', coalesce((select jsonb_agg(n.id) from notes n where n.converted_task_id = t.id and n.user_id = t.user_id), '[]'::jsonb))
    from task_instances t where t.id = ${taskId} and t.user_id = ${userId})`;
}

/**
 * Keeps the user's 3 most recent restorable tombstones; older ones are purged: the snapshot is dropped and
 * the tombstone expires now, so restoring it answers 410 TOMBSTONE_EXPIRED rather than a puzzling 404
 * (the daily purge job later removes expired rows altogether).
 */
export function trimTombstonesStatement(ctx: ServiceContext, userId: string, now: string) {
  return ctx.db.execute(sql`
    update deletion_tombstones set snapshot = '{"purged": true}'::jsonb, expires_at = least(expires_at, ${now}::timestamptz)
    where user_id = ${userId} and restored_at is null and not (snapshot ? 'purged')
      and id not in (select id from deletion_tombstones where user_id = ${userId} and restored_at is null
                     order by created_at desc, id desc limit ${TOMBSTONES_KEPT})`);
}
