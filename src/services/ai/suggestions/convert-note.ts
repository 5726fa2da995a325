/**
 * docs/ai.md#confirmation: a confirmed note conversion (kind `note_convert`, or the chat's `convert_note`).
 * Joins the confirm's write: the task is created by the `POST /tasks` service itself (limits, tier rules,
 * activity `task.created`), its proposed subtasks are inserted with it (source `ai`, within the plan's
 * per-task limit), and the note is linked (`converted_task_id`, `converted_at`) and archived – guarded by
 * `converted_at is null`, so of two conversions of one note exactly one commits. `note.converted` counts
 * toward the `notes_converted_*` achievements (services/achievements/progress.ts).
 */
import { sql, type SQL } from "drizzle-orm";
import { ApiError, LimitExceeded, NotFound } from "../../../errors/api-error";
import { diffFields } from "../../../lib/patch";
import type { ServiceContext } from "../../context";
import { guard } from "../../guards";
import { limitsStatement, toUserLimits } from "../../limits/read-limits";
import { noteJsonSql, presentNote, type Note, type NoteRecord } from "../../notes/present";
import { createTask } from "../../tasks/create";
import { presentSubtask, presentTask, type Subtask, type Task } from "../../tasks/present";
import type { WriteUnit } from "../../unit-of-work";
import { requireUserId } from "../../users/get-me";
import type { NoteConversionPayload } from "./payloads";

export interface NoteConversion {
  task: Task;
  subtasks: Subtask[];
  note: Note;
}

interface ConversionRow extends Record<string, unknown> {
  note: NoteRecord;
  converted_at: string | null;
  task_archived: boolean | null;
}

/** Round trip 1: the note, whether it was converted, whether its task is archived (`noteId` may be SQL). */
export function noteForConversionStatement(ctx: ServiceContext, userId: string, noteId: string | SQL) {
  return ctx.db.execute<ConversionRow>(sql`
    select ${noteJsonSql("n")} as note, n.converted_at, t.archived as task_archived
    from notes n left join task_instances t on t.id = n.task_id and t.user_id = n.user_id
    where n.id = ${noteId} and n.user_id = ${userId}`);
}

/** Runs inside the confirm's write (`unit`); ≤ its two round trips. */
export async function convertNote(unit: WriteUnit, noteId: string, payload: NoteConversionPayload): Promise<NoteConversion> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const noteRows = unit.read(noteForConversionStatement(ctx, userId, noteId));
  const limitRows = unit.read(limitsStatement(ctx, userId));
  const { subtasks: proposed = [], ...fields } = payload;
  // Started before the first load, so its reads share round trip 1.
  const [created] = await Promise.all([createTask({ ctx, input: fields }), unit.load()]);
  const row = noteRows.result.rows[0];
  if (row === undefined) throw new NotFound("Note");
  const current = presentNote(row.note);
  if (row.converted_at !== null) {
    throw new ApiError("VERSION_CONFLICT", { message: "The note was already converted into a task.", details: { current } });
  }
  if (row.task_archived === true) throw new ApiError("TASK_ARCHIVED", { message: "The note's task is archived; un-archive the task first." });
  const limit = toUserLimits(ctx, limitRows.result.rows[0]).limits.max_subtasks;
  if (proposed.length > limit) throw new LimitExceeded("subtasks on this task", limit, 0);

  const stamp = ctx.clock.now().toISOString();
  const subtasks = proposed.map((subtask, position) =>
    presentSubtask({
      id: crypto.randomUUID(),
      task_id: created.id,
      title: subtask.title,
      completed: false,
      completed_at: null,
      position,
      source: "ai",
      version: 1,
      created_at: stamp,
      updated_at: stamp,
    }),
  );
  const task = presentTask({ ...created, subtask_count: subtasks.length });
  const note = presentNote({ ...current, archived: true, version: current.version + 1, updated_at: stamp });
  unit.writeAll([
    ...(subtasks.length === 0
      ? []
      : [
          ctx.db.execute(sql`
            insert into subtasks (id, task_id, user_id, title, position, source, version, created_at, updated_at)
            select s.id, ${task.id}, ${userId}, s.title, s.position, 'ai', 1, ${stamp}::timestamptz, ${stamp}::timestamptz
            from jsonb_to_recordset(${JSON.stringify(subtasks)}::jsonb) as s(id uuid, title text, position int)`),
          ctx.db.execute(sql`update task_instances set subtask_count = ${subtasks.length} where id = ${task.id} and user_id = ${userId}`),
        ]),
    ctx.db.execute(sql`
      update notes set converted_task_id = ${task.id}, converted_at = ${stamp}::timestamptz, archived = true,
                       version = version + 1, updated_at = ${stamp}::timestamptz
      where id = ${note.id} and user_id = ${userId} and converted_at is null`),
    ctx.db.execute(sql`select ${guard(
      "NOTE_ALREADY_CONVERTED",
      sql`exists (select 1 from notes where id = ${note.id} and user_id = ${userId} and converted_task_id = ${task.id})`,
      sql`jsonb_build_object('current', (select ${noteJsonSql("n")} from notes n where n.id = ${note.id} and n.user_id = ${userId}))`,
    )}`),
  ]);
  for (const subtask of subtasks) unit.emit({ type: "subtask.created", subtask });
  unit.emit({ type: "note.converted", note, taskId: task.id, changes: diffFields(current, note, ["archived"]) });
  return { task, subtasks, note };
}
