import { sql } from "drizzle-orm";
import { diffFields, expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { presentNote, type Note } from "./present";
import { checkContentLength, checkNoteWritable, currentNoteSql, noteForWriteStatement, noteUpdatedGuard, noteWriterStatement, toNoteWriter } from "./write-support";

export interface UpdateNoteInput {
  id: string;
  version?: number | undefined;
  ifMatch?: string | undefined;
  content?: string | undefined;
  archived?: boolean | undefined;
}

const PATCHABLE = ["content", "archived"] as const;

/**
 * `PATCH /notes/{id}` (docs/conventions.md#patch-semantics, #optimistic-locking): `content` and `archived`;
 * omitted = unchanged, `version` required (body or If-Match), a stale one → 409 with the current note. The
 * content limit is the writer's tier's (a Pro user who went back to free keeps longer notes but cannot grow
 * them past 2000). A note of an archived task → 409 TASK_ARCHIVED. A PATCH that changes nothing answers the
 * note unchanged (same version, no activity) – still guarded, so a stale version is a 409. ≤ 2 round trips.
 */
export function updateNote({ ctx, input }: { ctx: ServiceContext; input: UpdateNoteInput }): Promise<Note> {
  const expected = expectedVersion({ bodyVersion: input.version, ifMatch: input.ifMatch, required: true });
  return runWrite(ctx, { operation: "notes.update", subjectId: input.id }, (unit) => update(unit, input, expected));
}

async function update(unit: WriteUnit, input: UpdateNoteInput, expected: number | undefined): Promise<Note> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const noteRows = unit.read(noteForWriteStatement(ctx, userId, input.id));
  const writerRows = unit.read(noteWriterStatement(ctx, userId));
  await unit.load();
  const current = checkNoteWritable(noteRows.result.rows[0], expected);
  const { limits } = toNoteWriter(ctx, writerRows.result.rows[0]);
  const next: Note = {
    ...current,
    ...(input.content !== undefined && { content: input.content }),
    ...(input.archived !== undefined && { archived: input.archived }),
  };
  const changes = diffFields(current, next, PATCHABLE);
  if ("content" in changes) checkContentLength(limits, next.content);
  if (Object.keys(changes).length === 0) {
    unit.write(
      ctx.db.execute(sql`select ${guard(
        "NOTE_VERSION_CONFLICT",
        sql`exists (select 1 from notes where id = ${current.id} and user_id = ${userId} and version = ${current.version})`,
        currentNoteSql(userId, current.id),
      )}`),
    );
    return current;
  }
  const stamp = ctx.clock.now().toISOString();
  const note = presentNote({ ...next, version: current.version + 1, updated_at: stamp });
  unit.writeAll([
    ...(current.task_id === null ? [] : [ctx.db.execute(sql`select 1 from task_instances where id = ${current.task_id} and user_id = ${userId} for no key update`)]),
    ctx.db.execute(sql`update notes set content = ${note.content}, archived = ${note.archived}, version = ${note.version}, updated_at = ${stamp}::timestamptz
      where id = ${note.id} and user_id = ${userId} and version = ${current.version}`),
    noteUpdatedGuard(ctx, userId, note.id),
    // Archived meanwhile: the task's lock above makes this check exact.
    ...(current.task_id === null
      ? []
      : [ctx.db.execute(sql`select ${guard("TASK_ARCHIVED", sql`not exists (select 1 from task_instances where id = ${current.task_id} and user_id = ${userId} and archived)`)}`)]),
  ]);
  unit.emit({ type: "note.updated", note, changes });
  return note;
}
