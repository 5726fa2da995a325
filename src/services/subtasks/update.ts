import { sql } from "drizzle-orm";
import { diffFields, expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { commitWithEvents } from "../events/commit";
import type { DomainEvent } from "../events/types";
import { jsonResponse, type StoredResponse } from "../idempotency/types";
import { presentSubtask, presentTask, type Subtask, type Task } from "../tasks/present";
import { taskUnchangedSql } from "../tasks/write-support";
import { requireUserId } from "../users/get-me";
import { GuardFailed, readForWrite } from "../writes";
import { checkSubtaskWritable, subtaskChangedGuard, subtaskGuardError, subtaskWithTaskStatement, type SubtaskContext } from "./support";

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
  unlocked_achievements: { id: string; name: string; description: string; perk: { type: string; value: number } }[];
}

/** A lost race on the parent task's counters: the outcome computed from round trip 1 no longer holds. */
const TASK_MOVED = "TASK_MOVED";
const ATTEMPTS = 3;

/**
 * `PATCH /subtasks/{id}` (SPEC §3): title and/or completion, `version` required (body or If-Match). Completing
 * the last open subtask completes the task (`completed_by: auto`) in the same batch; reopening a subtask of
 * an auto-completed task reopens it. The answer carries both, so the response must be decided before the
 * commit (writes.ts) – the Worker decides from what round trip 1 saw and the batch insists that the task's
 * counters are still exactly those (`taskUnchangedSql`). If a parallel request changed them (e.g. two
 * people ticking the last two subtasks at once), the batch aborts and the write is decided again on fresh
 * rows: exactly one of them completes the task. That costs 2 more round trips for the loser only.
 */
export async function updateSubtask({ ctx, input }: { ctx: ServiceContext; input: UpdateSubtaskInput }): Promise<{ value: SubtaskUpdateResult; response: StoredResponse }> {
  const expected = expectedVersion({ bodyVersion: input.version, ifMatch: input.ifMatch, required: true });
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await attemptUpdate(ctx, input, expected);
    } catch (error) {
      if (!(error instanceof GuardFailed && error.code === TASK_MOVED) || attempt >= ATTEMPTS) throw subtaskGuardError(error);
    }
  }
}

async function attemptUpdate(ctx: ServiceContext, input: UpdateSubtaskInput, expected: number | undefined) {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const [rows] = await readForWrite(ctx, [subtaskWithTaskStatement(ctx, userId, input.id)]);
  const { subtask: before, task: taskBefore }: SubtaskContext = checkSubtaskWritable(rows.rows[0], expected);

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

  const events: DomainEvent[] = [];
  if ("title" in subtaskChanges && delta === 0) events.push({ type: "subtask.updated", subtask, changes: subtaskChanges });
  if (delta === 1) events.push({ type: "subtask.completed", subtask, changes: subtaskChanges });
  if (delta === -1) events.push({ type: "subtask.reopened", subtask, changes: subtaskChanges });
  const taskChanges = diffFields(taskBefore, task, ["completed", "completed_at", "completed_by"]);
  if (autoComplete) events.push({ type: "task.completed", task, completedBy: "auto", changes: taskChanges });
  if (autoReopen) events.push({ type: "task.reopened", task, changes: taskChanges });

  const value: SubtaskUpdateResult = { subtask, task, unlocked_achievements: [] };
  const response = jsonResponse(200, { data: value });
  const statements = [
    ctx.db.execute(sql`update subtasks set title = ${subtask.title}, completed = ${subtask.completed},
        completed_at = ${subtask.completed_at}::timestamptz, version = ${subtask.version}, updated_at = ${subtask.updated_at}::timestamptz
      where id = ${subtask.id} and user_id = ${userId} and version = ${before.version}`),
    subtaskChangedGuard(ctx, userId, subtask.id),
  ];
  if (delta !== 0) {
    statements.push(
      ctx.db.execute(sql`
        with moved as (
          update task_instances set subtasks_completed = ${task.subtasks_completed}, completed = ${task.completed},
            completed_at = ${task.completed_at}::timestamptz, completed_by = ${task.completed_by}, version = ${task.version},
            updated_at = ${stamp}::timestamptz
          where id = ${task.id} and user_id = ${userId} and ${taskUnchangedSql(taskBefore)} and completed = ${taskBefore.completed}
          returning id)
        select perpetua_guard(exists (select 1 from moved), ${TASK_MOVED})`),
    );
  }
  await commitWithEvents(ctx, statements, events, { userId, now }, response);
  return { value, response };
}
