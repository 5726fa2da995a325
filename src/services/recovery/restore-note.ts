import { sql } from "drizzle-orm";
import { LimitExceeded } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { presentNote, type Note } from "../notes/present";
import { notePlaceStatements, type NoteWriter } from "../notes/write-support";
import type { Statement, WriteUnit } from "../unit-of-work";
import type { NoteSnapshot } from "./snapshot";

/** What round trip 1 knows about where a note tombstone's note would go back to. */
export interface NotePlaceRow extends Record<string, unknown> {
  task_exists: boolean;
  on_task: string | number;
  standalone: string | number;
}

/**
 * Round-trip-1 read for a possible note tombstone (the entity type is known only after the read, so it is
 * always sent; for a task tombstone it finds no row): does the note's task still exist, and how many notes
 * are on it and standalone.
 */
export function notePlaceStatement(ctx: ServiceContext, userId: string, tombstoneId: string) {
  return ctx.db.execute<NotePlaceRow>(sql`
    select t.id is not null as task_exists,
      (select count(*) from notes n where n.user_id = d.user_id and n.task_id = t.id) as on_task,
      (select count(*) from notes n where n.user_id = d.user_id and n.task_id is null) as standalone
    from deletion_tombstones d
    left join task_instances t on t.id = (d.snapshot->'note'->>'task_id')::uuid and t.user_id = d.user_id
    where d.id = ${tombstoneId} and d.user_id = ${userId} and d.entity_type = 'note'`);
}

/**
 * Restores a deleted note with its id (docs/notes-and-voice.md): back on its task when the task still
 * exists (also an archived one: restoring is not an edit), otherwise as a standalone note – nothing is lost.
 * The destination's count limit applies (409 LIMIT_EXCEEDED), exact under concurrency through the same
 * lock-and-count statements as a create; a task deleted between the read and the commit re-runs the restore
 * (it then comes back standalone). The version continues (+1), like a restored task.
 */
export function restoreNoteInto(unit: WriteUnit, input: { tombstoneId: string; userId: string; snapshot: NoteSnapshot; place: NotePlaceRow | undefined; writer: NoteWriter; claim: Statement[] }): Note {
  const { tombstoneId, userId, snapshot, writer } = input;
  const ctx = unit.ctx;
  const stamp = ctx.clock.now().toISOString();
  const record = snapshot.note;
  const taskId = record.task_id !== null && input.place?.task_exists === true ? record.task_id : null;
  const limit = taskId === null ? writer.limits.max_standalone_notes : writer.limits.max_notes_per_task;
  const current = Number(taskId === null ? (input.place?.standalone ?? 0) : (input.place?.on_task ?? 0));
  if (limit !== null && current >= limit) throw new LimitExceeded(taskId === null ? "standalone notes" : "notes on this task", limit, current);
  const note = presentNote({ ...record, task_id: taskId, version: record.version + 1, updated_at: stamp });
  const snap = sql`(select snapshot from deletion_tombstones where id = ${tombstoneId} and user_id = ${userId})`;
  unit.writeAll([
    ...input.claim,
    // A task deleted since round trip 1 re-runs the restore (the note then comes back standalone).
    ...notePlaceStatements(ctx, userId, taskId, writer.limits, { restoring: true }),
    ctx.db.execute(sql`
      insert into notes (id, user_id, task_id, content, source, audio_duration_seconds, transcript_status, archived,
        converted_task_id, converted_at, version, created_at, updated_at)
      select r.id, ${userId}, ${taskId}::uuid, r.content, r.source, r.audio_duration_seconds,
        -- a transcription that was pending when the note was deleted did not finish: it failed
        case when r.transcript_status = 'pending' then 'failed' else r.transcript_status end, r.archived,
        (select t.id from task_instances t where t.id = r.converted_task_id),
        case when exists (select 1 from task_instances t where t.id = r.converted_task_id) then r.converted_at end,
        r.version + 1, r.created_at, ${stamp}::timestamptz
      from jsonb_populate_record(null::notes, ${snap}->'note') r`),
  ]);
  const restored = note.transcript_status === "pending" ? { ...note, transcript_status: "failed" as const } : note;
  unit.emit({ type: "note.restored", note: restored, tombstoneId });
  return restored;
}
