import { sql } from "drizzle-orm";
import { ApiError, NotFound } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { closeSession } from "./end";
import { focusSessionJsonSql, focusSessionRunning, isOverdue, presentFocusSession, type FocusSession, type FocusSessionRecord } from "./present";

export interface StartFocusInput {
  taskId?: string | null | undefined;
  plannedMinutes: number;
}

/**
 * `POST /focus/sessions` (docs/reminders-notifications-realtime.md "Focus mode"). At most one running
 * session per user, held by the database: the INSERT goes `ON CONFLICT DO NOTHING` against the unique
 * partial index `focus_sessions_one_running_per_user`, so of two parallel starts the second waits for the
 * first to commit and inserts nothing; the guard after it (a separate statement, so a fresh snapshot that
 * sees the winner) answers `409 FOCUS_SESSION_RUNNING` with the running session. The optional task must be
 * the user's (404 otherwise) and not archived (409 TASK_ARCHIVED); a completed task may be focused on. The
 * task row is share-locked in the batch, so it cannot be deleted between the check and the insert. A running
 * session already past its abandonment deadline (the sweep has not reached it yet) does not block: it is
 * closed as `abandoned` in the same batch, exactly as the sweep would have closed it.
 * ≤ 2 round trips: the running session and the task, then one batch.
 */
export function startFocusSession({ ctx, input }: { ctx: ServiceContext; input: StartFocusInput }): Promise<FocusSession> {
  return runWrite(ctx, { operation: "focus.start", status: 201 }, (unit) => start(unit, input));
}

async function start(unit: WriteUnit, input: StartFocusInput): Promise<FocusSession> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const taskId = input.taskId ?? null;
  const running = unit.read(
    ctx.db.execute<{ session: FocusSessionRecord }>(
      sql`select ${focusSessionJsonSql("s")} as session from focus_sessions s where s.user_id = ${userId} and s.ended_at is null`,
    ),
  );
  const task = taskId === null ? undefined : unit.read(ctx.db.execute<{ archived: boolean }>(sql`select archived from task_instances where id = ${taskId} and user_id = ${userId}`));
  await unit.load();
  if (task !== undefined) {
    const row = task.result.rows[0];
    if (row === undefined) throw new NotFound("Task");
    if (row.archived) throw new ApiError("TASK_ARCHIVED", { message: "The task is archived; un-archive it before focusing on it." });
  }
  const previous = running.result.rows[0]?.session;
  if (previous !== undefined) {
    const current = presentFocusSession(previous);
    // Past its abandonment deadline the previous session is what the minute sweep makes of it: close it here
    // (abandoned, its planned time counted) instead of answering 409 for up to a minute of sweep lag.
    if (!isOverdue(current, ctx.clock.now())) throw focusSessionRunning(current);
    closeSession(unit, userId, current);
  }

  const session: FocusSession = {
    id: crypto.randomUUID(),
    task_id: taskId,
    planned_minutes: input.plannedMinutes,
    started_at: ctx.clock.now().toISOString(),
    ended_at: null,
    elapsed_seconds: null,
    status: "running",
  };
  if (taskId !== null) {
    unit.writeAll([
      ctx.db.execute(sql`select ${guard(
        "TASK_NOT_FOUND",
        sql`exists (select 1 from task_instances where id = ${taskId} and user_id = ${userId} for key share)`,
      )}`),
      ctx.db.execute(sql`select ${guard("TASK_ARCHIVED", sql`not (select archived from task_instances where id = ${taskId} and user_id = ${userId})`)}`),
    ]);
  }
  unit.writeAll([
    ctx.db.execute(sql`
      insert into focus_sessions (id, user_id, task_id, planned_minutes, started_at, status)
      values (${session.id}, ${userId}, ${taskId}, ${session.planned_minutes}, ${session.started_at}::timestamptz, 'running')
      on conflict (user_id) where ended_at is null do nothing`),
    // A fresh snapshot: it sees the session a parallel start committed while this INSERT waited for it.
    ctx.db.execute(sql`select ${guard(
      "FOCUS_SESSION_RUNNING",
      sql`exists (select 1 from focus_sessions where id = ${session.id})
        or not exists (select 1 from focus_sessions where user_id = ${userId} and ended_at is null)`,
      sql`jsonb_build_object('session', (select ${focusSessionJsonSql("s")} from focus_sessions s where s.user_id = ${userId} and s.ended_at is null))`,
    )}`),
    // The running session that blocked the INSERT ended meanwhile: start again on fresh reads.
    ctx.db.execute(sql`select ${guard("STATE_MOVED", sql`exists (select 1 from focus_sessions where id = ${session.id})`)}`),
  ]);
  return session;
}
