import { sql, type SQL } from "drizzle-orm";
import { ApiError, NotFound, VersionConflict } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { presentSubtask, presentTask, taskJsonSql, type Subtask, type SubtaskRecord, type Task, type TaskRecord } from "../tasks/present";

/** Round-trip-1 read of a subtask with its task (no row = missing or someone else's). */
export function subtaskWithTaskStatement(ctx: ServiceContext, userId: string, subtaskId: string) {
  return ctx.db.execute<{ subtask: SubtaskRecord; task: TaskRecord }>(sql`
    select to_jsonb(s) - 'user_id' as subtask, ${taskJsonSql("t")} as task
    from subtasks s join task_instances t on t.id = s.task_id and t.user_id = s.user_id
    where s.id = ${subtaskId} and s.user_id = ${userId}`);
}

export interface SubtaskContext {
  subtask: Subtask;
  task: Task;
}

/** 404 for a missing subtask, 409 VERSION_CONFLICT for a stale version, 409 TASK_ARCHIVED for an archived task. */
export function checkSubtaskWritable(row: { subtask: SubtaskRecord; task: TaskRecord } | undefined, expected: number | undefined): SubtaskContext {
  if (row === undefined) throw new NotFound("Subtask");
  const subtask = presentSubtask(row.subtask);
  const task = presentTask(row.task);
  if (expected !== undefined && expected !== subtask.version) throw new VersionConflict(subtask);
  if (task.archived) throw new ApiError("TASK_ARCHIVED", { message: "The subtask's task is archived; un-archive the task first." });
  return { subtask, task };
}

/**
 * Guard after a versioned subtask UPDATE: passes only if this transaction changed the row; otherwise VERSION_CONFLICT with the current subtask read with a fresh snapshot (see
 * tasks/write-support.ts taskUpdatedGuard for why a separate statement).
 */
export function subtaskChangedGuard(ctx: ServiceContext, userId: string, subtaskId: string) {
  return versionGuard(ctx, userId, subtaskId, sql`exists (select 1 from subtasks s where s.id = ${subtaskId} and s.user_id = ${userId} and s.xmin = pg_current_xact_id()::xid)`);
}

/**
 * Guard after the DELETE of a subtask (which decrements its task's counters only when it removed the row):
 * passes only if THIS transaction updated the task row. "The subtask is gone" is not enough – a parallel
 * delete that won would make a second 204 and a second `deleted` activity entry for nothing.
 */
export function subtaskDeletedGuard(ctx: ServiceContext, userId: string, subtaskId: string, taskId: string) {
  return versionGuard(ctx, userId, subtaskId, sql`exists (select 1 from task_instances t where t.id = ${taskId} and t.user_id = ${userId} and t.xmin = pg_current_xact_id()::xid)`);
}

function versionGuard(ctx: ServiceContext, userId: string, subtaskId: string, passed: SQL) {
  return ctx.db.execute(sql`select ${guard(
    "SUBTASK_VERSION_CONFLICT",
    passed,
    sql`jsonb_build_object('current', (select to_jsonb(s) - 'user_id' from subtasks s where s.id = ${subtaskId} and s.user_id = ${userId}))`,
  )}`);
}
