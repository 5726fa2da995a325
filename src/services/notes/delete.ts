import { sql } from "drizzle-orm";
import { expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { TOMBSTONE_DAYS, noteSnapshotSql, trimTombstonesStatement } from "../recovery/snapshot";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { checkNoteWritable, currentNoteSql, noteForWriteStatement } from "./write-support";

export interface NoteDeletion {
  tombstone_id: string;
  entity_type: "note";
  entity_id: string;
  expires_at: string;
}

/**
 * `DELETE /notes/{id}` (docs/notes-and-voice.md, docs/recovery-and-activity.md): one atomic batch – lock the
 * note's task row (when it has one, the lock order of task writes), lock the note, check it still exists
 * (with the expected version when `If-Match` is sent), snapshot it into a tombstone, delete it, trim the
 * user's tombstones to the 3 most recent, log `deleted`. Restorable with its id by
 * `POST /recovery/{tombstone_id}/restore`. A note of an archived task → 409 TASK_ARCHIVED (like subtasks).
 */
export function deleteNote({ ctx, input }: { ctx: ServiceContext; input: { id: string; ifMatch?: string | undefined } }): Promise<NoteDeletion> {
  const expected = expectedVersion({ ifMatch: input.ifMatch, required: false });
  return runWrite(ctx, { operation: "notes.delete", subjectId: input.id }, (unit) => remove(unit, input.id, expected));
}

async function remove(unit: WriteUnit, noteId: string, expected: number | undefined): Promise<NoteDeletion> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const rows = unit.read(noteForWriteStatement(ctx, userId, noteId));
  await unit.load();
  const current = checkNoteWritable(rows.result.rows[0], expected);
  const value: NoteDeletion = {
    tombstone_id: crypto.randomUUID(),
    entity_type: "note",
    entity_id: current.id,
    expires_at: new Date(now.getTime() + TOMBSTONE_DAYS * 86_400_000).toISOString(),
  };
  const versionCheck = expected === undefined ? sql`true` : sql`n.version = ${expected}`;
  unit.writeAll([
    ...(current.task_id === null ? [] : [ctx.db.execute(sql`select 1 from task_instances where id = ${current.task_id} and user_id = ${userId} for no key update`)]),
    ctx.db.execute(sql`select 1 from notes where id = ${current.id} and user_id = ${userId} for update`),
    ctx.db.execute(sql`select ${guard(
      "NOTE_VERSION_CONFLICT",
      sql`exists (select 1 from notes n where n.id = ${current.id} and n.user_id = ${userId} and ${versionCheck})`,
      currentNoteSql(userId, current.id),
    )}`),
    ctx.db.execute(sql`insert into deletion_tombstones (id, user_id, entity_type, entity_id, snapshot, created_at, expires_at)
      values (${value.tombstone_id}, ${userId}, 'note', ${current.id}, ${noteSnapshotSql(userId, current.id)},
              ${stamp}::timestamptz, ${value.expires_at}::timestamptz)`),
    ctx.db.execute(sql`delete from notes where id = ${current.id} and user_id = ${userId}`),
    trimTombstonesStatement(ctx, userId, stamp),
  ]);
  unit.emit({ type: "note.deleted", noteId: current.id, tombstoneId: value.tombstone_id });
  return value;
}
