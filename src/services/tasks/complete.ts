import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { LimitExceeded } from "../../errors/api-error";
import { diffFields, expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { commitWithEvents } from "../events/commit";
import type { DomainEvent } from "../events/types";
import { jsonResponse, type StoredResponse } from "../idempotency/types";
import { activeTaskLimitGuard, limitGuardError } from "../limits/guards";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import { requireUserId } from "../users/get-me";
import { readForWrite } from "../writes";
import { taskDetailJsonSql } from "./get";
import { presentSubtask, presentTask, type ReminderRecord, type SubtaskRecord, type Task, type TaskRecord } from "./present";
import { checkTaskWritable, taskUnchangedGuard, taskUnchangedSql, taskUpdatedGuard, versionGuardError } from "./write-support";

export type CompletionAction = "complete" | "reopen" | "force_complete";

export interface CompletionInput {
  id: string;
  action: CompletionAction;
  version?: number | undefined;
  ifMatch?: string | undefined;
}

/**
 * The answer of complete / reopen / force-complete (SPEC §3). `unlocked_achievements` (SPEC §9) and
 * `next_instance` (SPEC §5) are filled by the achievements and recurring features through their event
 * handlers; until then they are always `[]` and `null`.
 */
export interface CompletionResult {
  task: Task;
  unlocked_achievements: { id: string; name: string; description: string; perk: { type: string; value: number } }[];
  next_instance: Task | null;
}

const COMPLETION_FIELDS = ["completed", "completed_at", "completed_by", "subtasks_completed"] as const;

/**
 * `POST /tasks/{id}/complete | reopen | force-complete`. `version` (body or If-Match) is optional here: when
 * given it must match. Completing a completed task (or reopening an open one) changes nothing and answers
 * the task as it is. Force-complete also completes every open subtask (one event each). Reopening counts
 * against the active-task limit. ≤ 2 round trips: the task (with subtasks) + limits, then one batch.
 */
export async function changeCompletion({ ctx, input }: { ctx: ServiceContext; input: CompletionInput }): Promise<{ value: CompletionResult; response: StoredResponse }> {
  const userId = requireUserId(ctx);
  const expected = expectedVersion({ bodyVersion: input.version, ifMatch: input.ifMatch, required: false });
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const [taskRows, limitRows] = await readForWrite(ctx, [
    ctx.db.execute<{ task: TaskRecord & { subtasks: SubtaskRecord[]; reminders: ReminderRecord[] } }>(sql`
      select ${taskDetailJsonSql("t")} as task from task_instances t where t.id = ${input.id} and t.user_id = ${userId}`),
    limitsStatement(ctx, userId),
  ]);
  const record = taskRows.rows[0]?.task;
  const current = checkTaskWritable(record, expected);
  const openSubtasks = (record?.subtasks ?? []).map(presentSubtask).filter((subtask) => !subtask.completed);
  const { limits, activeTasks } = toUserLimits(ctx, limitRows.rows[0]);

  const completing = input.action !== "reopen";
  const force = input.action === "force_complete";
  const noChange = completing ? current.completed && (!force || openSubtasks.length === 0) : !current.completed;
  if (noChange) {
    const response = jsonResponse(200, { data: result(current) });
    await commitWithEvents(ctx, [taskUnchangedGuard(ctx, userId, current)], [], { userId, now }, response).catch((error: unknown) => {
      throw versionGuardError(error);
    });
    return { value: result(current), response };
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
  const events: DomainEvent[] = [];
  const statements: BatchItem<"pg">[] = [...(completing ? [] : activeTaskLimitGuard(ctx, userId, limits.max_tasks))];
  if (force && openSubtasks.length > 0) {
    statements.push(
      ctx.db.execute(sql`update subtasks set completed = true, completed_at = ${stamp}::timestamptz, version = version + 1,
        updated_at = ${stamp}::timestamptz where task_id = ${task.id} and user_id = ${userId} and not completed`),
    );
    for (const subtask of openSubtasks) {
      const done = presentSubtask({ ...subtask, completed: true, completed_at: stamp, version: subtask.version + 1, updated_at: stamp });
      events.push({ type: "subtask.completed", subtask: done, changes: { completed: { from: false, to: true } } });
    }
  }
  statements.push(
    ctx.db.execute(sql`update task_instances set completed = ${task.completed}, completed_at = ${task.completed_at}::timestamptz,
        completed_by = ${task.completed_by}, subtasks_completed = ${task.subtasks_completed}, version = ${task.version},
        updated_at = ${stamp}::timestamptz
      where id = ${task.id} and user_id = ${userId} and ${taskUnchangedSql(current)}`),
    taskUpdatedGuard(ctx, userId, task.id),
  );
  events.push(completing ? { type: "task.completed", task, completedBy, changes } : { type: "task.reopened", task, changes });
  const value = result(task);
  const response = jsonResponse(200, { data: value });
  try {
    await commitWithEvents(ctx, statements, events, { userId, now }, response);
  } catch (error) {
    throw limitGuardError(versionGuardError(error), "active tasks");
  }
  return { value, response };
}

function result(task: Task): CompletionResult {
  return { task, unlocked_achievements: [], next_instance: null };
}
