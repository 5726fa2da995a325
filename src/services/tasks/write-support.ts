import { sql, type SQL } from "drizzle-orm";
import { ApiError, NotFound, VersionConflict } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { presentTask, taskJsonSql, type Task, type TaskRecord } from "./present";

/**
 * Round-trip-1 read of a task the request wants to change (null row = missing or someone else's). `taskId`
 * may be a SQL expression (a confirm reads the task an AI suggestion names before it knows its id).
 */
export function taskForWriteStatement(ctx: ServiceContext, userId: string, taskId: string | SQL) {
  return ctx.db.execute<{ task: TaskRecord }>(sql`select ${taskJsonSql("t")} as task from task_instances t where t.id = ${taskId} and t.user_id = ${userId}`);
}

/**
 * The first statement of every batch that changes a task and its subtasks: the task row's lock. Taking it
 * before any subtask row (a task's DELETE cascades to its subtasks, a subtask write updates the task's
 * counters) gives all writes on one task the same lock order, so parallel ones queue instead of deadlocking.
 */
export function lockTaskStatement(ctx: ServiceContext, userId: string, taskId: string) {
  return ctx.db.execute(sql`select 1 from task_instances where id = ${taskId} and user_id = ${userId} for no key update`);
}

/**
 * The guard that follows a versioned `UPDATE … WHERE version = $seen` in a commit batch: it passes only if
 * that UPDATE changed the row in THIS transaction (`xmin` = our transaction id), and otherwise aborts the
 * batch with VERSION_CONFLICT and the current task as details. Being a separate statement, it runs with a
 * fresh snapshot (READ COMMITTED), so under a race the conflict reports what the winner wrote, not the
 * stale row the UPDATE's own snapshot saw. A task deleted meanwhile yields `current: null` (→ 404).
 */
export function taskUpdatedGuard(ctx: ServiceContext, userId: string, taskId: string, onConflict: TaskConflict = "TASK_VERSION_CONFLICT") {
  return ctx.db.execute(sql`select ${guard(
    onConflict,
    sql`exists (select 1 from task_instances t where t.id = ${taskId} and t.user_id = ${userId} and t.xmin = pg_current_xact_id()::xid)`,
    currentTaskSql(userId, taskId),
  )}`);
}

/**
 * What a lost race on a task means: 409 VERSION_CONFLICT when the client named the version it read, or –
 * when it did not (complete / reopen without `version`) – a re-run of the write on the task as it now is.
 */
export type TaskConflict = "TASK_VERSION_CONFLICT" | "STATE_MOVED";

export function conflictFor(expected: number | undefined): TaskConflict {
  return expected === undefined ? "STATE_MOVED" : "TASK_VERSION_CONFLICT";
}

/** Guard details: the task as it is now, read with the guard's own (fresh) snapshot; null when it is gone. */
export function currentTaskSql(userId: string, taskId: string) {
  return sql`jsonb_build_object('current', (select ${taskJsonSql("t")} from task_instances t where t.id = ${taskId} and t.user_id = ${userId}))`;
}

/**
 * What "the task I read is still the task I am changing" means in an UPDATE's WHERE: the same version and the
 * same server-kept counters – subtask counters and focus time (subtask writes and ended focus sessions keep
 * them without a new task version, and a response built from stale counters would disagree with the row).
 */
export function taskUnchangedSql(task: Task) {
  return sql`version = ${task.version} and subtask_count = ${task.subtask_count} and subtasks_completed = ${task.subtasks_completed}
    and focus_time_seconds = ${task.focus_time_seconds}`;
}

/** A guard that only checks the task is unchanged (for writes that end up changing nothing). */
export function taskUnchangedGuard(ctx: ServiceContext, userId: string, task: Task, onConflict: TaskConflict = "TASK_VERSION_CONFLICT") {
  return ctx.db.execute(sql`select ${guard(
    onConflict,
    sql`exists (select 1 from task_instances where id = ${task.id} and user_id = ${userId} and ${taskUnchangedSql(task)})`,
    currentTaskSql(userId, task.id),
  )}`);
}

/** The checks every change of an existing task starts with (docs/conventions.md#ownership, docs/conventions.md#optimistic-locking, docs/tasks.md archived). */
export function checkTaskWritable(record: TaskRecord | undefined, expected: number | undefined, options: { unarchiving?: boolean } = {}): Task {
  if (record === undefined) throw new NotFound("Task");
  const task = presentTask(record);
  if (expected !== undefined && expected !== task.version) throw new VersionConflict(task);
  if (task.archived && !options.unarchiving) {
    throw new ApiError("TASK_ARCHIVED", { message: "The task is archived; un-archive it first (PATCH archived: false)." });
  }
  return task;
}
