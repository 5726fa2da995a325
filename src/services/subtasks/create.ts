import { sql } from "drizzle-orm";
import type { SubtaskSource } from "../../db/schema/tasks";
import { ApiError, LimitExceeded, NotFound } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { commitWithEvents } from "../events/commit";
import { jsonResponse, type StoredResponse } from "../idempotency/types";
import { limitGuardError } from "../limits/guards";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import { presentSubtask, type Subtask } from "../tasks/present";
import { checkTaskWritable, taskForWriteStatement } from "../tasks/write-support";
import { requireUserId } from "../users/get-me";
import { GuardFailed, readForWrite } from "../writes";

export interface CreateSubtaskInput {
  taskId: string;
  title: string;
  /** `ai` when an AI suggestion is confirmed (SPEC §7.4); the HTTP route always creates `user` subtasks. */
  source?: SubtaskSource | undefined;
}

/**
 * `POST /tasks/{id}/subtasks` (SPEC §3): appended after the last position. The per-task limit (free 4,
 * pro 10, + perks) is enforced by the counter itself: `UPDATE … SET subtask_count = subtask_count + 1 WHERE
 * subtask_count < limit` takes the task's row lock, so parallel creates are serialised and never overshoot.
 * The task's version is not changed by subtask writes (only its counters and `updated_at`), so adding a
 * subtask never invalidates a client's pending edit of the task itself.
 */
export async function createSubtask({ ctx, input }: { ctx: ServiceContext; input: CreateSubtaskInput }): Promise<{ value: Subtask; response: StoredResponse }> {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const [taskRows, limitRows, positions] = await readForWrite(ctx, [
    taskForWriteStatement(ctx, userId, input.taskId),
    limitsStatement(ctx, userId),
    ctx.db.execute<{ next: number }>(sql`select coalesce(max(position) + 1, 0)::int as next from subtasks where task_id = ${input.taskId} and user_id = ${userId}`),
  ]);
  const task = checkTaskWritable(taskRows.rows[0]?.task, undefined);
  const limit = toUserLimits(ctx, limitRows.rows[0]).limits.max_subtasks;
  if (task.subtask_count >= limit) throw new LimitExceeded("subtasks on this task", limit, task.subtask_count);

  const subtask = presentSubtask({
    id: crypto.randomUUID(),
    task_id: task.id,
    title: input.title,
    completed: false,
    completed_at: null,
    position: positions.rows[0]?.next ?? 0,
    source: input.source ?? "user",
    version: 1,
    created_at: stamp,
    updated_at: stamp,
  });
  const response = jsonResponse(201, { data: subtask });
  try {
    await commitWithEvents(
      ctx,
      [
        ctx.db.execute(sql`
          with counted as (
            update task_instances set subtask_count = subtask_count + 1, updated_at = ${stamp}::timestamptz
            where id = ${task.id} and user_id = ${userId} and not archived and subtask_count < ${limit}
            returning id)
          select perpetua_guard(exists (select 1 from counted),
            case when not exists (select 1 from task_instances where id = ${task.id} and user_id = ${userId}) then 'NOT_FOUND'
                 when exists (select 1 from task_instances where id = ${task.id} and archived) then 'TASK_ARCHIVED'
                 else 'LIMIT_EXCEEDED' end,
            jsonb_build_object('limit', ${limit}::int, 'current', (select subtask_count from task_instances where id = ${task.id})))`),
        ctx.db.execute(sql`
          insert into subtasks (id, task_id, user_id, title, position, source, version, created_at, updated_at)
          values (${subtask.id}, ${task.id}, ${userId}, ${subtask.title}, ${subtask.position}, ${subtask.source}, 1,
                  ${stamp}::timestamptz, ${stamp}::timestamptz)`),
      ],
      [{ type: "subtask.created", subtask }],
      { userId, now },
      response,
    );
  } catch (error) {
    if (error instanceof GuardFailed && error.code === "NOT_FOUND") throw new NotFound("Task");
    if (error instanceof GuardFailed && error.code === "TASK_ARCHIVED") throw new ApiError("TASK_ARCHIVED");
    throw limitGuardError(error, "subtasks on this task");
  }
  return { value: subtask, response };
}
