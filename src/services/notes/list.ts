import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { NotFound } from "../../errors/api-error";
import { cursorId, cursorTimestamp, decodeCursor, encodeCursor } from "../../lib/cursor";
import type { ServiceContext } from "../context";
import { requireUserId } from "../users/get-me";
import { noteJsonSql, presentNote, type Note, type NoteRecord } from "./present";

export interface ListNotesInput {
  task_id?: string | undefined;
  /** Only notes without a task. */
  standalone?: boolean | undefined;
  archived: boolean;
  q?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

const cursorSchema = z.strictObject({ k: cursorTimestamp, id: cursorId });

/**
 * `GET /notes` (docs/notes-and-voice.md) in one round trip: newest first, keyset pagination on
 * (created_at, id) (stable under concurrent inserts), filters `task_id`, `standalone`, `archived` (default
 * false) and `q`: full text with English stemming (`to_tsvector('english', content) @@
 * websearch_to_tsquery('english', q)`, so "running" finds "runs"). There is no expression index for it yet
 * (this branch adds no migration): the user's rows are found by `notes_user_created_idx` and filtered –
 * fine for the few hundred notes a user has; an index is a follow-up.
 */
export async function listNotes({ ctx, input }: { ctx: ServiceContext; input: ListNotesInput }): Promise<{ data: Note[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ note: NoteRecord; cursor_key: string }>(pageSql(userId, input));
  return page(result.rows, input.limit);
}

/**
 * `GET /tasks/{id}/notes`: the task's notes (archived ones too: the list is the task's), newest first, cursor
 * pages; an unknown task (or someone else's) → 404 – decided in the same round trip.
 */
export async function listTaskNotes({ ctx, input }: { ctx: ServiceContext; input: { taskId: string; limit: number; cursor?: string | undefined } }): Promise<{ data: Note[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const notes = pageSql(userId, { task_id: input.taskId, archived: undefined, limit: input.limit, cursor: input.cursor });
  const result = await ctx.db.execute<{ found: boolean; notes: { note: NoteRecord; cursor_key: string }[] }>(sql`
    select exists (select 1 from task_instances where id = ${input.taskId} and user_id = ${userId}) as found,
      coalesce((select jsonb_agg(to_jsonb(p) order by (p.note->>'created_at')::timestamptz desc, (p.note->>'id')::uuid desc) from (${notes}) p), '[]'::jsonb) as notes`);
  const row = result.rows[0];
  if (row === undefined || !row.found) throw new NotFound("Task");
  return page(row.notes, input.limit);
}

function pageSql(userId: string, input: Omit<ListNotesInput, "archived"> & { archived: boolean | undefined }): SQL {
  const where: SQL[] = [sql`n.user_id = ${userId}`];
  if (input.archived !== undefined) where.push(sql`n.archived = ${input.archived}`);
  if (input.task_id !== undefined) where.push(sql`n.task_id = ${input.task_id}`);
  if (input.standalone === true) where.push(sql`n.task_id is null`);
  if (input.standalone === false) where.push(sql`n.task_id is not null`);
  if (input.q !== undefined) where.push(sql`to_tsvector('english', n.content) @@ websearch_to_tsquery('english', ${input.q})`);
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, cursorSchema);
    where.push(sql`(n.created_at, n.id) < (${position.k}::timestamptz, ${position.id}::uuid)`);
  }
  return sql`select ${noteJsonSql("n")} as note, n.created_at::text as cursor_key
    from notes n where ${sql.join(where, sql` and `)}
    order by n.created_at desc, n.id desc
    limit ${input.limit + 1}`;
}

function page(rows: { note: NoteRecord; cursor_key: string }[], limit: number): { data: Note[]; next_cursor: string | null } {
  const kept = rows.slice(0, limit);
  const last = kept.at(-1);
  const next_cursor = rows.length > limit && last !== undefined ? encodeCursor({ k: last.cursor_key, id: last.note.id }) : null;
  return { data: kept.map((row) => presentNote(row.note)), next_cursor };
}
