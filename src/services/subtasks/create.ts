import { sql } from "drizzle-orm";
import type { SubtaskSource } from "../../db/schema/tasks";
import { LimitExceeded } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import { diffFields } from "../../lib/patch";
import { presentSubtask, presentTask, type Subtask } from "../tasks/present";
import { checkTaskWritable, taskForWriteStatement } from "../tasks/write-support";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";

export interface CreateSubtaskInput {
  taskId: string;
  title: string;
  /** `ai` when an AI suggestion is confirmed (docs/ai.md#confirmation); the HTTP route always creates `user` subtasks. */
  source?: SubtaskSource | undefined;
}

/**
 * `POST /tasks/{id}/subtasks` (docs/tasks.md "Subtasks"): appended after the last position. The per-task
 * limit (free 4, pro 10, + perks) is enforced by the counter itself: `UPDATE … SET subtask_count =
 * subtask_count + 1 WHERE subtask_count < limit` takes the task's row lock, so parallel creates are
 * serialised and never overshoot. The position is decided by the batch too, after that lock (each statement
 * sees what committed before it): twenty parallel creates get 0…19, and the answer carries the position the
 * batch chose (`bindInteger`). The task's version is not changed by subtask writes (only its counters and
 * `updated_at`), so adding a subtask never invalidates a client's pending edit of the task itself.
 *
 * Adding an open subtask to a completed task: when the task was completed automatically (its last subtask was
 * ticked), the new open subtask reopens it – "all subtasks done" no longer holds. A task completed by hand
 * (manual or force) stays completed: the user said it is done; the new subtask is simply open under it.
 */
export function createSubtask({ ctx, input }: { ctx: ServiceContext; input: CreateSubtaskInput }): Promise<Subtask> {
  return runWrite(ctx, { operation: "subtasks.create", status: 201 }, (unit) => create(unit, input));
}

async function create(unit: WriteUnit, input: CreateSubtaskInput): Promise<Subtask> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const taskRows = unit.read(taskForWriteStatement(ctx, userId, input.taskId));
  const limitRows = unit.read(limitsStatement(ctx, userId));
  await unit.load();
  const task = checkTaskWritable(taskRows.result.rows[0]?.task, undefined);
  const limit = toUserLimits(ctx, limitRows.result.rows[0]).limits.max_subtasks;
  if (task.subtask_count >= limit) throw new LimitExceeded("subtasks on this task", limit, task.subtask_count);

  const id = crypto.randomUUID();
  const nextPosition = sql`(select coalesce(max(position) + 1, 0) from subtasks where task_id = ${task.id} and user_id = ${userId})`;
  const subtask = presentSubtask({
    id,
    task_id: task.id,
    title: input.title,
    completed: false,
    completed_at: null,
    position: 0,
    source: input.source ?? "user",
    version: 1,
    created_at: stamp,
    updated_at: stamp,
  });
  subtask.position = unit.bindInteger("position", sql`select position from subtasks where id = ${id}`, (position) => {
    subtask.position = position;
  });
  const reopens = task.completed && task.completed_by === "auto";
  unit.writeAll([
    ctx.db.execute(sql`
      with counted as (
        update task_instances set subtask_count = subtask_count + 1, updated_at = ${stamp}::timestamptz
          ${reopens ? sql`, completed = false, completed_at = null, completed_by = null, version = version + 1` : sql``}
        where id = ${task.id} and user_id = ${userId} and not archived and subtask_count < ${limit}
          ${reopens ? sql`and completed and completed_by = 'auto'` : sql``}
        returning id)
      select ${guard(
        "SUBTASK_LIMIT",
        sql`exists (select 1 from counted)`,
        sql`jsonb_build_object('limit', ${limit}::int, 'current', (select subtask_count from task_instances where id = ${task.id}))`,
      )}`),
    ctx.db.execute(sql`
      insert into subtasks (id, task_id, user_id, title, position, source, version, created_at, updated_at)
      values (${id}, ${task.id}, ${userId}, ${subtask.title}, ${nextPosition}, ${subtask.source}, 1,
              ${stamp}::timestamptz, ${stamp}::timestamptz)`),
  ]);
  unit.emit({ type: "subtask.created", subtask });
  if (reopens) {
    const reopened = presentTask({ ...task, completed: false, completed_at: null, completed_by: null, version: task.version + 1, updated_at: stamp });
    unit.emit({ type: "task.reopened", task: reopened, changes: diffFields(task, reopened, ["completed", "completed_at", "completed_by"]) });
  }
  return subtask;
}
