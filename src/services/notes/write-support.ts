import { sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { ApiError, NotFound, ValidationFailed, VersionConflict } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { limitsStatement, perksOf, toUserLimits, type LimitsRow } from "../limits/read-limits";
import { contentLength, noteJsonSql, noteLimits, presentNote, type Note, type NoteLimits, type NoteRecord } from "./present";
import type { UserTier } from "../../db/schema/identity";

/** Round-trip-1 read of a note a request wants to change, with whether its task is archived (no row = missing or someone else's). */
export function noteForWriteStatement(ctx: ServiceContext, userId: string, noteId: string) {
  return ctx.db.execute<{ note: NoteRecord; task_archived: boolean | null }>(sql`
    select ${noteJsonSql("n")} as note, t.archived as task_archived
    from notes n left join task_instances t on t.id = n.task_id and t.user_id = n.user_id
    where n.id = ${noteId} and n.user_id = ${userId}`);
}

/** 404 for a missing note, 409 VERSION_CONFLICT for a stale version, 409 TASK_ARCHIVED when its task is archived (like subtasks). */
export function checkNoteWritable(row: { note: NoteRecord; task_archived: boolean | null } | undefined, expected: number | undefined): Note {
  if (row === undefined) throw new NotFound("Note");
  const note = presentNote(row.note);
  if (expected !== undefined && expected !== note.version) throw new VersionConflict(note);
  if (row.task_archived === true) throw new ApiError("TASK_ARCHIVED", { message: "The note's task is archived; un-archive the task first." });
  return note;
}

/** The tier and note limits of the writer, read with the write's round trip 1 (limitsStatement). */
export interface NoteWriter {
  tier: UserTier;
  limits: NoteLimits;
}

export function noteWriterStatement(ctx: ServiceContext, userId: string) {
  return limitsStatement(ctx, userId);
}

export function toNoteWriter(ctx: ServiceContext, row: LimitsRow | undefined): NoteWriter {
  const { tier } = toUserLimits(ctx, row);
  const perks = row === undefined ? 0 : perksOf(row).max_notes;
  return { tier, limits: noteLimits(ctx.config, tier, perks) };
}

/** docs/notes-and-voice.md: ≤ 2000 characters free, ≤ 10000 Pro (configurable) → 400 naming the limit. */
export function checkContentLength(limits: NoteLimits, content: string): void {
  const length = contentLength(content);
  if (length > limits.max_content_length) {
    throw new ValidationFailed(
      [{ field: "content", reason: `At most ${limits.max_content_length} characters on your plan (this one has ${length}).` }],
      `Note content is limited to ${limits.max_content_length} characters on your plan.`,
    );
  }
}

/**
 * The statements that make a new note's place exact under concurrency, at the head of the commit batch:
 * - on a task: the task row's lock (`FOR NO KEY UPDATE`, the lock order of every write on a task), then
 *   guards that the task still exists and is not archived, then – free tier – that it holds fewer than the
 *   limit of notes (counted with a fresh snapshot after the lock, so 20 parallel creates against 10 → 10);
 * - standalone: the users row's lock (the same lock the active-task limit takes, docs/write-protocol.md lock
 *   order) and the standalone count. Pro (no limit) takes no lock for a standalone note.
 */
export function notePlaceStatements(
  ctx: ServiceContext,
  userId: string,
  taskId: string | null,
  limits: NoteLimits,
  options: { restoring?: boolean } = {},
): BatchItem<"pg">[] {
  if (taskId !== null) {
    const count = sql`(select count(*) from notes where task_id = ${taskId} and user_id = ${userId})`;
    const limit = limits.max_notes_per_task;
    const exists = sql`exists (select 1 from task_instances where id = ${taskId} and user_id = ${userId})`;
    return [
      ctx.db.execute(sql`select 1 from task_instances where id = ${taskId} and user_id = ${userId} for no key update`),
      // A restore decided "back on its task" from round trip 1; a task gone since then → decide again.
      ctx.db.execute(sql`select ${guard(options.restoring === true ? "STATE_MOVED" : "TASK_NOT_FOUND", exists)}`),
      // Restoring is not an edit: a note comes back onto an archived task too.
      ...(options.restoring === true
        ? []
        : [ctx.db.execute(sql`select ${guard("TASK_ARCHIVED", sql`exists (select 1 from task_instances where id = ${taskId} and user_id = ${userId} and not archived)`)}`)]),
      ...(limit === null ? [] : [countGuard(ctx, "NOTE_LIMIT", count, limit)]),
    ];
  }
  const limit = limits.max_standalone_notes;
  if (limit === null) return [];
  const count = sql`(select count(*) from notes where user_id = ${userId} and task_id is null)`;
  return [ctx.db.execute(sql`select 1 from users where id = ${userId} for no key update`), countGuard(ctx, "STANDALONE_NOTE_LIMIT", count, limit)];
}

function countGuard(ctx: ServiceContext, code: "NOTE_LIMIT" | "STANDALONE_NOTE_LIMIT", count: SQL, limit: number) {
  return ctx.db.execute(sql`select ${guard(code, sql`${count} < ${limit}`, sql`jsonb_build_object('limit', ${limit}::int, 'current', ${count})`)}`);
}

/**
 * Guard after a versioned note UPDATE: passes only if THIS transaction changed the row (`xmin`), otherwise
 * VERSION_CONFLICT with the note as it is now (a fresh snapshot: the statement runs after the UPDATE), or
 * 404 when it is gone. See tasks/write-support.ts taskUpdatedGuard.
 */
export function noteUpdatedGuard(ctx: ServiceContext, userId: string, noteId: string, onConflict: "NOTE_VERSION_CONFLICT" | "STATE_MOVED" = "NOTE_VERSION_CONFLICT") {
  return ctx.db.execute(sql`select ${guard(
    onConflict,
    sql`exists (select 1 from notes n where n.id = ${noteId} and n.user_id = ${userId} and n.xmin = pg_current_xact_id()::xid)`,
    currentNoteSql(userId, noteId),
  )}`);
}

/** Guard details: the note as it is now; null when it is gone (→ 404). */
export function currentNoteSql(userId: string, noteId: string) {
  return sql`jsonb_build_object('current', (select ${noteJsonSql("n")} from notes n where n.id = ${noteId} and n.user_id = ${userId}))`;
}
