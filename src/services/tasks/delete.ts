import { sql } from "drizzle-orm";
import { expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { TOMBSTONE_DAYS, taskSnapshotSql, trimTombstonesStatement } from "../recovery/snapshot";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { checkTaskWritable, currentTaskSql, taskForWriteStatement } from "./write-support";

export interface Deletion {
  tombstone_id: string;
  entity_type: "task";
  entity_id: string;
  expires_at: string;
}

/**
 * `DELETE /tasks/{id}` (docs/recovery-and-activity.md): one atomic batch – lock the task row, check it still exists (and has the
 * expected version, when given), snapshot it with its subtasks, notes, reminders and tags into a tombstone,
 * delete it (the children cascade), trim the user's tombstones to the 3 most recent, log the activity.
 * The snapshot is taken in SQL after the lock, so an update that committed first is in it and an update
 * that comes later finds no row (404): a restore never brings back a task without an update that was
 * acknowledged. Archived tasks may be deleted. Answers the tombstone, so a client can offer "undo".
 */
export function deleteTask({ ctx, input }: { ctx: ServiceContext; input: { id: string; ifMatch?: string | undefined } }): Promise<Deletion> {
  const expected = expectedVersion({ ifMatch: input.ifMatch, required: false });
  return runWrite(ctx, { operation: "tasks.delete" }, (unit) => remove(unit, input.id, expected));
}

async function remove(unit: WriteUnit, taskId: string, expected: number | undefined): Promise<Deletion> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const taskRows = unit.read(taskForWriteStatement(ctx, userId, taskId));
  await unit.load();
  const current = checkTaskWritable(taskRows.result.rows[0]?.task, expected, { unarchiving: true });
  const value: Deletion = {
    tombstone_id: crypto.randomUUID(),
    entity_type: "task",
    entity_id: current.id,
    expires_at: new Date(now.getTime() + TOMBSTONE_DAYS * 86_400_000).toISOString(),
  };
  const versionCheck = expected === undefined ? sql`true` : sql`t.version = ${expected}`;
  unit.writeAll([
    ctx.db.execute(sql`select 1 from task_instances where id = ${current.id} and user_id = ${userId} for update`),
    ctx.db.execute(sql`select ${guard(
      "TASK_VERSION_CONFLICT",
      sql`exists (select 1 from task_instances t where t.id = ${current.id} and t.user_id = ${userId} and ${versionCheck})`,
      currentTaskSql(userId, current.id),
    )}`),
    ctx.db.execute(sql`insert into deletion_tombstones (id, user_id, entity_type, entity_id, snapshot, created_at, expires_at)
      values (${value.tombstone_id}, ${userId}, 'task', ${current.id}, ${taskSnapshotSql(userId, current.id)},
              ${stamp}::timestamptz, ${value.expires_at}::timestamptz)`),
    ctx.db.execute(sql`delete from task_instances where id = ${current.id} and user_id = ${userId}`),
    trimTombstonesStatement(ctx, userId, stamp),
  ]);
  unit.emit({ type: "task.deleted", taskId: current.id, title: current.title, tombstoneId: value.tombstone_id });
  return value;
}
