import { sql } from "drizzle-orm";
import { diffFields, expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import type { ResponseFields, UnlockedAchievement } from "../response-fields";
import { presentSubtask, presentTask, type Subtask, type Task } from "../tasks/present";
import { lockTaskStatement, taskUnchangedSql } from "../tasks/write-support";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { checkSubtaskWritable, subtaskChangedGuard, subtaskWithTaskStatement, type SubtaskContext } from "./support";

export interface UpdateSubtaskInput {
  id: string;
  version?: number | undefined;
  ifMatch?: string | undefined;
  title?: string | undefined;
  completed?: boolean | undefined;
}

export interface SubtaskUpdateResult {
  subtask: Subtask;
  task: Task;
  unlocked_achievements: UnlockedAchievement[];
}

/**
 * `PATCH /subtasks/{id}` (docs/tasks.md "Subtasks"): title and/or completion, `version` required (body or
 * If-Match). Completing the last open subtask completes the task (`completed_by: auto`) in the same batch;
 * reopening a subtask of an auto-completed task reopens it. The answer carries both, so it is decided before
 * the commit from what round trip 1 saw, and the batch insists that the task's counters are still exactly
 * those (`taskUnchangedSql`). If a parallel request changed them (e.g. two people ticking the last two
 * subtasks at once), the `STATE_MOVED` guard makes `runWrite` decide again on fresh rows: exactly one of them
 * completes the task. That costs 2 more round trips for the loser only. The batch locks the task row before
 * the subtask row, like every write on a task and its subtasks, so parallel writes queue instead of
 * deadlocking.
 */
export function updateSubtask({ ctx, input }: { ctx: ServiceContext; input: UpdateSubtaskInput }): Promise<SubtaskUpdateResult> {
  const expected = expectedVersion({ bodyVersion: input.version, ifMatch: input.ifMatch, required: true });
  return runWrite(ctx, { operation: "subtasks.update", finish: withFields }, (unit) => update(unit, input, expected));
}

function withFields(value: SubtaskUpdateResult, fields: ResponseFields): SubtaskUpdateResult {
  return { ...value, unlocked_achievements: fields.unlocked_achievements ?? [] };
}

async function update(unit: WriteUnit, input: UpdateSubtaskInput, expected: number | undefined): Promise<SubtaskUpdateResult> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const rows = unit.read(subtaskWithTaskStatement(ctx, userId, input.id));
  await unit.load();
  const { subtask: before, task: taskBefore }: SubtaskContext = checkSubtaskWritable(rows.result.rows[0], expected);

  const completedNow = input.completed ?? before.completed;
  const titleNow = input.title ?? before.title;
  const subtaskChanges = diffFields({ title: before.title, completed: before.completed }, { title: titleNow, completed: completedNow }, ["title", "completed"]);
  const delta = completedNow === before.completed ? 0 : completedNow ? 1 : -1;
  const subtask = Object.keys(subtaskChanges).length === 0
    ? before
    : presentSubtask({ ...before, title: titleNow, completed: completedNow, completed_at: completedNow ? (before.completed_at ?? stamp) : null, version: before.version + 1, updated_at: stamp });

  const doneCount = taskBefore.subtasks_completed + delta;
  const autoComplete = delta === 1 && !taskBefore.completed && doneCount === taskBefore.subtask_count;
  const autoReopen = delta === -1 && taskBefore.completed && taskBefore.completed_by === "auto";
  const task = presentTask({
    ...taskBefore,
    subtasks_completed: doneCount,
    ...(autoComplete && { completed: true, completed_at: stamp, completed_by: "auto" as const }),
    ...(autoReopen && { completed: false, completed_at: null, completed_by: null }),
    ...((autoComplete || autoReopen) && { version: taskBefore.version + 1 }),
    ...(delta !== 0 && { updated_at: stamp }),
  });

  if ("title" in subtaskChanges && delta === 0) unit.emit({ type: "subtask.updated", subtask, changes: subtaskChanges });
  if (delta === 1) unit.emit({ type: "subtask.completed", subtask, changes: subtaskChanges });
  if (delta === -1) unit.emit({ type: "subtask.reopened", subtask, changes: subtaskChanges });
  const taskChanges = diffFields(taskBefore, task, ["completed", "completed_at", "completed_by"]);
  if (autoComplete) {
    const firstCompletion = (taskBefore.first_completed_at ?? null) === null;
    unit.emit({ type: "task.completed", task, completedBy: "auto", firstCompletion, changes: taskChanges });
  }
  if (autoReopen) unit.emit({ type: "task.reopened", task, changes: taskChanges });

  unit.writeAll([
    lockTaskStatement(ctx, userId, task.id),
    ctx.db.execute(sql`update subtasks set title = ${subtask.title}, completed = ${subtask.completed},
        completed_at = ${subtask.completed_at}::timestamptz, version = ${subtask.version}, updated_at = ${subtask.updated_at}::timestamptz
      where id = ${subtask.id} and user_id = ${userId} and version = ${before.version}`),
    subtaskChangedGuard(ctx, userId, subtask.id),
  ]);
  if (delta !== 0) {
    unit.write(
      ctx.db.execute(sql`
        with moved as (
          update task_instances set subtasks_completed = ${task.subtasks_completed}, completed = ${task.completed},
            completed_at = ${task.completed_at}::timestamptz, completed_by = ${task.completed_by}, version = ${task.version},
            first_completed_at = coalesce(first_completed_at, ${task.completed_at}::timestamptz),
            updated_at = ${stamp}::timestamptz
          where id = ${task.id} and user_id = ${userId} and ${taskUnchangedSql(taskBefore)} and completed = ${taskBefore.completed}
          returning id)
        select ${guard("STATE_MOVED", sql`exists (select 1 from moved)`)}`),
    );
  }
  return { subtask, task, unlocked_achievements: [] };
}
