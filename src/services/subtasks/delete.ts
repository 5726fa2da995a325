import { sql } from "drizzle-orm";
import { expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { commitWithEvents } from "../events/commit";
import { jsonResponse } from "../idempotency/types";
import { requireUserId } from "../users/get-me";
import { readForWrite } from "../writes";
import { checkSubtaskWritable, subtaskDeletedGuard, subtaskGuardError, subtaskWithTaskStatement } from "./support";

/**
 * `DELETE /subtasks/{id}` (SPEC §3): removes the subtask and decrements the task's counters in the same
 * statement (relative updates, so parallel deletes and ticks compose). `If-Match` is checked when given.
 * Deleting the last open subtask does not complete the task: only completing one does (SPEC §3).
 */
export async function deleteSubtask({ ctx, input }: { ctx: ServiceContext; input: { id: string; ifMatch?: string | undefined } }): Promise<void> {
  const userId = requireUserId(ctx);
  const expected = expectedVersion({ ifMatch: input.ifMatch, required: false });
  const now = ctx.clock.now();
  const [rows] = await readForWrite(ctx, [subtaskWithTaskStatement(ctx, userId, input.id)]);
  const { subtask } = checkSubtaskWritable(rows.rows[0], expected);
  const versionCheck = expected === undefined ? sql`true` : sql`version = ${expected}`;
  try {
    await commitWithEvents(
      ctx,
      [
        ctx.db.execute(sql`
          with removed as (delete from subtasks where id = ${subtask.id} and user_id = ${userId} and ${versionCheck} returning completed)
          update task_instances set subtask_count = subtask_count - (select count(*) from removed),
            subtasks_completed = subtasks_completed - (select count(*) from removed where completed),
            updated_at = ${now.toISOString()}::timestamptz
          where id = ${subtask.task_id} and user_id = ${userId} and exists (select 1 from removed)`),
        subtaskDeletedGuard(ctx, userId, subtask.id, subtask.task_id),
      ],
      [{ type: "subtask.deleted", subtask }],
      { userId, now },
      jsonResponse(204, null),
    );
  } catch (error) {
    throw subtaskGuardError(error);
  }
}
