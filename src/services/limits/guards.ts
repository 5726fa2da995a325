import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { activeTaskCountSql } from "./active-count";

/**
 * The active-task limit (docs/tasks.md) enforced inside a commit batch, exact under concurrency: the first
 * statement locks the user's row, so concurrent task-creating writes of one user run one after the other.
 * `FOR NO KEY UPDATE`, not `FOR UPDATE`: the batch's earlier inserts (the idempotency record) hold a
 * `FOR KEY SHARE` lock on the same users row through their foreign key, which `FOR UPDATE` conflicts with –
 * two such writes would deadlock; `NO KEY UPDATE` still serialises them against each other;
 * the second counts with a fresh snapshot (READ COMMITTED: each statement sees what committed before it
 * started – including the writes that held the lock before us) and aborts the batch when the limit is
 * reached. 60 parallel creates against 50 → exactly 50. Unlimited (`null`) → no statements, no lock.
 */
export function activeTaskLimitGuard(ctx: ServiceContext, userId: string, limit: number | null): BatchItem<"pg">[] {
  if (limit === null) return [];
  const count = activeTaskCountSql(sql`${userId}::uuid`);
  return [
    ctx.db.execute(sql`select 1 from users where id = ${userId} for no key update`),
    ctx.db.execute(sql`select ${guard("ACTIVE_TASK_LIMIT", sql`${count} < ${limit}`, sql`jsonb_build_object('limit', ${limit}::int, 'current', ${count})`)}`),
  ];
}
