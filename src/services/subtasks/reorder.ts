import { sql } from "drizzle-orm";
import { NotFound, ValidationFailed, VersionConflict } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { commitWithEvents } from "../events/commit";
import { jsonResponse } from "../idempotency/types";
import { presentSubtask, type Subtask, type SubtaskRecord, type TaskRecord } from "../tasks/present";
import { subtasksJsonSql } from "../tasks/present";
import { checkTaskWritable, taskForWriteStatement } from "../tasks/write-support";
import { requireUserId } from "../users/get-me";
import { GuardFailed, readForWrite } from "../writes";

/**
 * `PUT /tasks/{id}/subtasks/order` `{ids}` (SPEC §3): `ids` must name every subtask of the task exactly once
 * (400 otherwise); positions become 0…n-1 in that order. Positions are display order, not content, so
 * subtask versions do not change. The batch re-checks that the task still has exactly these subtasks (a
 * subtask added or removed meanwhile → 409 VERSION_CONFLICT with the current list).
 */
export async function reorderSubtasks({ ctx, input }: { ctx: ServiceContext; input: { taskId: string; ids: string[] } }): Promise<Subtask[]> {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const [taskRows, subtaskRows] = await readForWrite(ctx, [
    taskForWriteStatement(ctx, userId, input.taskId),
    ctx.db.execute<{ subtasks: SubtaskRecord[] }>(sql`select ${subtasksJsonSql("t")} as subtasks from task_instances t where t.id = ${input.taskId} and t.user_id = ${userId}`),
  ]);
  const task = checkTaskWritable(taskRows.rows[0]?.task as TaskRecord | undefined, undefined);
  const current = (subtaskRows.rows[0]?.subtasks ?? []).map(presentSubtask);
  const known = new Set(current.map((subtask) => subtask.id));
  const given = new Set(input.ids);
  if (given.size !== input.ids.length || given.size !== known.size || input.ids.some((id) => !known.has(id))) {
    throw new ValidationFailed([{ field: "ids", reason: "Must list every subtask of the task exactly once." }]);
  }
  const byId = new Map(current.map((subtask) => [subtask.id, subtask]));
  const ordered = input.ids.map((id, position) => {
    const subtask = byId.get(id);
    if (!subtask) throw new NotFound("Subtask");
    return { ...subtask, position };
  });
  const ids = JSON.stringify(input.ids);
  try {
    await commitWithEvents(
      ctx,
      [
        ctx.db.execute(sql`select 1 from task_instances where id = ${task.id} and user_id = ${userId} for update`),
        ctx.db.execute(sql`select perpetua_guard(
            (select count(*) from subtasks where task_id = ${task.id} and user_id = ${userId}) = ${ordered.length}
            and (select count(*) from subtasks where task_id = ${task.id} and user_id = ${userId}
                 and id in (select (jsonb_array_elements_text(${ids}::jsonb))::uuid)) = ${ordered.length},
            'VERSION_CONFLICT',
            jsonb_build_object('current', (select ${subtasksJsonSql("t")} from task_instances t where t.id = ${task.id} and t.user_id = ${userId})))`),
        ctx.db.execute(sql`update subtasks s set position = o.ord - 1
          from jsonb_array_elements_text(${ids}::jsonb) with ordinality as o(id, ord)
          where s.id = o.id::uuid and s.task_id = ${task.id} and s.user_id = ${userId}`),
      ],
      [{ type: "subtasks.reordered", taskId: task.id, ids: input.ids }],
      { userId, now },
      jsonResponse(200, { data: ordered }),
    );
  } catch (error) {
    if (error instanceof GuardFailed && error.code === "VERSION_CONFLICT") {
      const list = (error.details as { current?: SubtaskRecord[] } | null)?.current ?? [];
      throw new VersionConflict(list.map(presentSubtask));
    }
    throw error;
  }
  return ordered;
}
