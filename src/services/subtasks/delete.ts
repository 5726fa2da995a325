import { sql } from "drizzle-orm";
import { expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { lockTaskStatement } from "../tasks/write-support";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { checkSubtaskWritable, subtaskDeletedGuard, subtaskWithTaskStatement } from "./support";

/**
 * `DELETE /subtasks/{id}` (docs/tasks.md "Subtasks"): removes the subtask and decrements the task's counters in the same
 * statement (relative updates, so parallel deletes and ticks compose). `If-Match` is checked when given.
 * Deleting the last open subtask does not complete the task: only completing one does (docs/tasks.md).
 */
export function deleteSubtask({ ctx, input }: { ctx: ServiceContext; input: { id: string; ifMatch?: string | undefined } }): Promise<void> {
  const expected = expectedVersion({ ifMatch: input.ifMatch, required: false });
  return runWrite(ctx, { operation: "subtasks.delete", status: 204 }, (unit) => remove(unit, input.id, expected));
}

async function remove(unit: WriteUnit, subtaskId: string, expected: number | undefined): Promise<void> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const rows = unit.read(subtaskWithTaskStatement(ctx, userId, subtaskId));
  await unit.load();
  const { subtask } = checkSubtaskWritable(rows.result.rows[0], expected);
  const versionCheck = expected === undefined ? sql`true` : sql`version = ${expected}`;
  unit.writeAll([
    lockTaskStatement(ctx, userId, subtask.task_id),
    ctx.db.execute(sql`
      with removed as (delete from subtasks where id = ${subtask.id} and user_id = ${userId} and ${versionCheck} returning completed)
      update task_instances set subtask_count = subtask_count - (select count(*) from removed),
        subtasks_completed = subtasks_completed - (select count(*) from removed where completed),
        updated_at = ${now.toISOString()}::timestamptz
      where id = ${subtask.task_id} and user_id = ${userId} and exists (select 1 from removed)`),
    subtaskDeletedGuard(ctx, userId, subtask.id, subtask.task_id),
  ]);
  unit.emit({ type: "subtask.deleted", subtask });
}
