import { sql } from "drizzle-orm";
import { NotFound, ValidationFailed, VersionConflict } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { presentSubtask, subtasksJsonSql, type Subtask, type SubtaskRecord } from "../tasks/present";
import { checkTaskWritable, lockTaskStatement, taskForWriteStatement } from "../tasks/write-support";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";

/**
 * `PUT /tasks/{id}/subtasks/order` `{ids}` (docs/tasks.md): positions become 0…n-1 in the order of `ids`.
 * Positions are display order, not content, so subtask versions do not change. An id given twice is a
 * malformed request (400). A list that is not the task's current set is a stale view – another device added
 * or removed a subtask – and answers 409 VERSION_CONFLICT with the current list, whether the read already saw
 * that change or the batch's re-check catches it.
 */
export function reorderSubtasks({ ctx, input }: { ctx: ServiceContext; input: { taskId: string; ids: string[] } }): Promise<Subtask[]> {
  return runWrite(ctx, { operation: "subtasks.reorder" }, (unit) => reorder(unit, input));
}

async function reorder(unit: WriteUnit, input: { taskId: string; ids: string[] }): Promise<Subtask[]> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const taskRows = unit.read(taskForWriteStatement(ctx, userId, input.taskId));
  const subtaskRows = unit.read(
    ctx.db.execute<{ subtasks: SubtaskRecord[] }>(sql`select ${subtasksJsonSql("t")} as subtasks from task_instances t where t.id = ${input.taskId} and t.user_id = ${userId}`),
  );
  await unit.load();
  const task = checkTaskWritable(taskRows.result.rows[0]?.task, undefined);
  const current = (subtaskRows.result.rows[0]?.subtasks ?? []).map(presentSubtask);
  const known = new Set(current.map((subtask) => subtask.id));
  if (new Set(input.ids).size !== input.ids.length) {
    throw new ValidationFailed([{ field: "ids", reason: "Lists a subtask more than once." }]);
  }
  if (input.ids.length !== known.size || input.ids.some((id) => !known.has(id))) throw new VersionConflict(current);
  const byId = new Map(current.map((subtask) => [subtask.id, subtask]));
  const ordered = input.ids.map((id, position) => {
    const subtask = byId.get(id);
    if (!subtask) throw new NotFound("Subtask");
    return { ...subtask, position };
  });
  const ids = JSON.stringify(input.ids);
  unit.writeAll([
    lockTaskStatement(ctx, userId, task.id),
    ctx.db.execute(sql`select ${guard(
      "SUBTASK_SET_CHANGED",
      sql`(select count(*) from subtasks where task_id = ${task.id} and user_id = ${userId}) = ${ordered.length}
        and (select count(*) from subtasks where task_id = ${task.id} and user_id = ${userId}
             and id in (select (jsonb_array_elements_text(${ids}::jsonb))::uuid)) = ${ordered.length}`,
      sql`jsonb_build_object('current', (select ${subtasksJsonSql("t")} from task_instances t where t.id = ${task.id} and t.user_id = ${userId}))`,
    )}`),
    ctx.db.execute(sql`update subtasks s set position = o.ord - 1
      from jsonb_array_elements_text(${ids}::jsonb) with ordinality as o(id, ord)
      where s.id = o.id::uuid and s.task_id = ${task.id} and s.user_id = ${userId}`),
  ]);
  unit.emit({ type: "subtasks.reordered", taskId: task.id, ids: input.ids });
  return ordered;
}
