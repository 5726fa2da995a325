import { sql } from "drizzle-orm";
import { LimitExceeded } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { checkTaskWritable, taskForWriteStatement } from "../tasks/write-support";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { presentNote, type Note } from "./present";
import { checkContentLength, notePlaceStatements, noteWriterStatement, toNoteWriter } from "./write-support";

export interface CreateNoteInput {
  content: string;
  /** null/omitted: a standalone note. */
  task_id?: string | null | undefined;
}

/**
 * `POST /notes` (docs/notes-and-voice.md). Round trip 1: the writer's tier and perks, the note's task (when
 * given) and the counts – with the idempotency lookup. The Worker checks content length per tier, the task
 * (404 / 409 TASK_ARCHIVED) and the count limit as seen; round trip 2 re-checks the place and the limit
 * after a lock (exact under parallel creates: notePlaceStatements), inserts, and logs `created`.
 */
export function createNote({ ctx, input }: { ctx: ServiceContext; input: CreateNoteInput }): Promise<Note> {
  return runWrite(ctx, { operation: "notes.create", status: 201 }, (unit) => create(unit, input));
}

async function create(unit: WriteUnit, input: CreateNoteInput): Promise<Note> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const taskId = input.task_id ?? null;
  const writerRows = unit.read(noteWriterStatement(ctx, userId));
  const taskRows = taskId === null ? undefined : unit.read(taskForWriteStatement(ctx, userId, taskId));
  const countRows = unit.read(
    ctx.db.execute<{ count: string | number }>(
      taskId === null
        ? sql`select count(*) as count from notes where user_id = ${userId} and task_id is null`
        : sql`select count(*) as count from notes where user_id = ${userId} and task_id = ${taskId}`,
    ),
  );
  await unit.load();
  const { limits } = toNoteWriter(ctx, writerRows.result.rows[0]);
  if (taskRows !== undefined) checkTaskWritable(taskRows.result.rows[0]?.task, undefined);
  checkContentLength(limits, input.content);
  const limit = taskId === null ? limits.max_standalone_notes : limits.max_notes_per_task;
  const current = Number(countRows.result.rows[0]?.count ?? 0);
  if (limit !== null && current >= limit) throw new LimitExceeded(taskId === null ? "standalone notes" : "notes on this task", limit, current);

  const stamp = ctx.clock.now().toISOString();
  const note = presentNote({
    id: crypto.randomUUID(),
    task_id: taskId,
    content: input.content,
    source: "text",
    audio_duration_seconds: null,
    transcript_status: "none",
    archived: false,
    version: 1,
    created_at: stamp,
    updated_at: stamp,
  });
  unit.writeAll([
    ...notePlaceStatements(ctx, userId, taskId, limits),
    ctx.db.execute(sql`
      insert into notes (id, user_id, task_id, content, source, transcript_status, archived, version, created_at, updated_at)
      values (${note.id}, ${userId}, ${taskId}, ${note.content}, 'text', 'none', false, 1, ${stamp}::timestamptz, ${stamp}::timestamptz)`),
  ]);
  unit.emit({ type: "note.created", note });
  return note;
}
