import { sql, type SQL } from "drizzle-orm";
import { LimitExceeded } from "../../errors/api-error";
import { diffFields, expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { activeTaskLimitGuard } from "../limits/guards";
import { oneOpenInstanceGuard } from "../recurring/write-support";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import type { NextInstance, ResponseFields, UnlockedAchievement } from "../response-fields";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { taskDetailJsonSql } from "./get";
import { presentSubtask, presentTask, type ReminderRecord, type SubtaskRecord, type Task, type TaskRecord } from "./present";
import { checkTaskWritable, conflictFor, lockTaskStatement, taskUnchangedGuard, taskUnchangedSql, taskUpdatedGuard } from "./write-support";

export type CompletionAction = "complete" | "reopen" | "force_complete";

export interface CompletionInput {
  id: string;
  action: CompletionAction;
  version?: number | undefined;
  ifMatch?: string | undefined;
}

/**
 * The answer of complete / reopen / force-complete (docs/tasks.md). `unlocked_achievements` and
 * `next_instance` are response fields the achievements and recurring features' event handlers contribute
 * (services/events/handlers.ts); without them they are `[]` and `null`.
 */
export interface CompletionResult {
  task: Task;
  unlocked_achievements: UnlockedAchievement[];
  next_instance: NextInstance | null;
}

const COMPLETION_FIELDS = ["completed", "completed_at", "completed_by", "subtasks_completed"] as const;

/**
 * `POST /tasks/{id}/complete | reopen | force-complete`. `version` (body or If-Match) is optional here: when
 * given it must match. Completing a completed task (or reopening an open one) changes nothing and answers
 * the task as it is. Force-complete also completes every open subtask (one event each). Reopening counts
 * against the active-task limit. ≤ 2 round trips: the task (with subtasks) + limits, then one batch.
 */
export function changeCompletion({ ctx, input }: { ctx: ServiceContext; input: CompletionInput }): Promise<CompletionResult> {
  const expected = expectedVersion({ bodyVersion: input.version, ifMatch: input.ifMatch, required: false });
  const operation = input.action === "reopen" ? "tasks.reopen" : "tasks.complete";
  return runWrite(ctx, { operation, subjectId: input.id, finish: withFields }, (unit) => change(unit, input, expected));
}

/** Round trip 1 of a completion: the task with its subtasks (`taskId` may be SQL, see taskForWriteStatement). */
export function completionTaskStatement(ctx: ServiceContext, userId: string, taskId: string | SQL) {
  return ctx.db.execute<{ task: TaskRecord & { subtasks: SubtaskRecord[]; reminders: ReminderRecord[] } }>(sql`
      select ${taskDetailJsonSql("t")} as task from task_instances t where t.id = ${taskId} and t.user_id = ${userId}`);
}

async function change(unit: WriteUnit, input: CompletionInput, expected: number | undefined): Promise<CompletionResult> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const taskRows = unit.read(completionTaskStatement(ctx, userId, input.id));
  const limitRows = unit.read(limitsStatement(ctx, userId));
  await unit.load();
  const record = taskRows.result.rows[0]?.task;
  const current = checkTaskWritable(record, expected);
  const openSubtasks = (record?.subtasks ?? []).map(presentSubtask).filter((subtask) => !subtask.completed);
  const { limits, activeTasks } = toUserLimits(ctx, limitRows.result.rows[0]);

  const completing = input.action !== "reopen";
  const force = input.action === "force_complete";
  const noChange = completing ? current.completed && (!force || openSubtasks.length === 0) : !current.completed;
  if (noChange) {
    unit.write(taskUnchangedGuard(ctx, userId, current, conflictFor(expected)));
    return result(current);
  }
  if (!completing && limits.max_tasks !== null && activeTasks >= limits.max_tasks) {
    throw new LimitExceeded("active tasks", limits.max_tasks, activeTasks);
  }

  const completedBy = force ? "force" : "manual";
  const task = presentTask({
    ...current,
    ...(completing
      ? { completed: true, completed_at: current.completed_at ?? stamp, completed_by: current.completed_by ?? completedBy }
      : { completed: false, completed_at: null, completed_by: null }),
    ...(force && { subtasks_completed: current.subtask_count }),
    version: current.version + 1,
    updated_at: stamp,
  });
  const changes = diffFields(current, task, COMPLETION_FIELDS);
  if (!completing) unit.writeAll(activeTaskLimitGuard(ctx, userId, limits.max_tasks));
  if (!completing && current.template_id !== null) unit.write(oneOpenInstanceGuard(ctx, userId, current.id, current.template_id));
  if (force && openSubtasks.length > 0) {
    // The task row first, then its subtasks: every write that touches both locks them in this order, so
    // parallel writes on one task queue up instead of deadlocking.
    unit.write(lockTaskStatement(ctx, userId, task.id));
    unit.write(
      ctx.db.execute(sql`update subtasks set completed = true, completed_at = ${stamp}::timestamptz, version = version + 1,
        updated_at = ${stamp}::timestamptz where task_id = ${task.id} and user_id = ${userId} and not completed`),
    );
    for (const subtask of openSubtasks) {
      const done = presentSubtask({ ...subtask, completed: true, completed_at: stamp, version: subtask.version + 1, updated_at: stamp });
      unit.emit({ type: "subtask.completed", subtask: done, changes: { completed: { from: false, to: true } } });
    }
  }
  unit.writeAll([
    ctx.db.execute(sql`update task_instances set completed = ${task.completed}, completed_at = ${task.completed_at}::timestamptz,
        completed_by = ${task.completed_by}, subtasks_completed = ${task.subtasks_completed}, version = ${task.version},
        first_completed_at = coalesce(first_completed_at, ${task.completed_at}::timestamptz),
        updated_at = ${stamp}::timestamptz
      where id = ${task.id} and user_id = ${userId} and ${taskUnchangedSql(current)}`),
    taskUpdatedGuard(ctx, userId, task.id, conflictFor(expected)),
  ]);
  const firstCompletion = completing && !current.completed && (record?.first_completed_at ?? null) === null;
  unit.emit(completing ? { type: "task.completed", task, completedBy, firstCompletion, changes } : { type: "task.reopened", task, changes });
  return result(task);
}

function result(task: Task): CompletionResult {
  return { task, unlocked_achievements: [], next_instance: null };
}

function withFields(value: CompletionResult, fields: ResponseFields): CompletionResult {
  return { ...value, unlocked_achievements: fields.unlocked_achievements ?? [], next_instance: fields.next_instance ?? null };
}
