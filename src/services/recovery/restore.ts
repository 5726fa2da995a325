import { sql } from "drizzle-orm";
import { ApiError, LimitExceeded, NotFound } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { activeTaskLimitGuard } from "../limits/guards";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import type { Note } from "../notes/present";
import { toNoteWriter } from "../notes/write-support";
import type { TaskDetail } from "../tasks/present";
import { runWrite, type Statement, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { notePlaceStatement, restoreNoteInto } from "./restore-note";
import { restoredTask, restoreTaskStatements } from "./restore-task";
import type { NoteSnapshot, TaskSnapshot } from "./snapshot";

export type Restoration =
  | { tombstone_id: string; entity_type: "task"; entity_id: string; task: TaskDetail }
  | { tombstone_id: string; entity_type: "note"; entity_id: string; note: Note };

type TombstoneRow =
  | { entity_type: "task"; entity_id: string; snapshot: TaskSnapshot | { purged: true }; expires_at: string; restored_at: string | null }
  | { entity_type: "note"; entity_id: string; snapshot: NoteSnapshot | { purged: true }; expires_at: string; restored_at: string | null };

/**
 * `POST /recovery/{tombstone_id}/restore` (docs/recovery-and-activity.md). Round trip 1: the tombstone, the
 * limits and – for a note tombstone – where its note would go back to. Unknown, someone else's or already
 * restored → 404; past its 7 days or purged (not among the 3 most recent) → 410; the destination's limit
 * reached (an open task: active tasks; a note: notes on its task or standalone) → 409. Round trip 2: one batch
 * that claims the tombstone (guarded: a concurrent restore or the expiry loses), re-inserts everything with
 * the original ids, and logs `restored`.
 */
export function restoreTombstone({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<Restoration> {
  return runWrite(ctx, { operation: "recovery.restore" }, (unit) => restore(unit, input));
}

async function restore(unit: WriteUnit, input: { id: string }): Promise<Restoration> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const tombstones = unit.read(
    ctx.db.execute<TombstoneRow & Record<string, unknown>>(sql`select entity_type, entity_id, snapshot, expires_at::text as expires_at, restored_at::text as restored_at
      from deletion_tombstones where id = ${input.id} and user_id = ${userId}`),
  );
  const limitRows = unit.read(limitsStatement(ctx, userId));
  const placeRows = unit.read(notePlaceStatement(ctx, userId, input.id));
  await unit.load();
  const tombstone = tombstones.result.rows[0];
  if (tombstone === undefined || tombstone.restored_at !== null) throw new NotFound("Tombstone");
  if ("purged" in tombstone.snapshot || new Date(tombstone.expires_at).getTime() <= now.getTime()) {
    throw new ApiError("TOMBSTONE_EXPIRED", { message: "This deletion can no longer be undone (7 days, 3 most recent)." });
  }
  const claimed = sql`exists (select 1 from deletion_tombstones where id = ${input.id} and user_id = ${userId} and xmin = pg_current_xact_id()::xid)`;
  const unrestored = sql`exists (select 1 from deletion_tombstones where id = ${input.id} and user_id = ${userId} and restored_at is null)`;
  const claim: Statement[] = [
    ctx.db.execute(sql`
      update deletion_tombstones set restored_at = ${stamp}::timestamptz
      where id = ${input.id} and user_id = ${userId} and restored_at is null and expires_at > ${stamp}::timestamptz
        and not (snapshot ? 'purged')`),
    // Separate statements: they read with a fresh snapshot (READ COMMITTED), so a restore that lost a race
    // sees the winner's restored_at (404), not the stale row its UPDATE's snapshot saw (which said 410).
    ctx.db.execute(sql`select ${guard("TOMBSTONE_NOT_FOUND", sql`${claimed} or ${unrestored}`)}`),
    ctx.db.execute(sql`select ${guard("TOMBSTONE_EXPIRED", claimed)}`),
  ];

  if (tombstone.entity_type === "note") {
    if ("purged" in tombstone.snapshot) throw new ApiError("TOMBSTONE_EXPIRED");
    const writer = toNoteWriter(ctx, limitRows.result.rows[0]);
    const note = restoreNoteInto(unit, { tombstoneId: input.id, userId, snapshot: tombstone.snapshot, place: placeRows.result.rows[0], writer, claim });
    return { tombstone_id: input.id, entity_type: "note", entity_id: note.id, note };
  }

  if ("purged" in tombstone.snapshot) throw new ApiError("TOMBSTONE_EXPIRED");
  const snapshot = tombstone.snapshot;
  const { limits, activeTasks } = toUserLimits(ctx, limitRows.result.rows[0]);
  const active = !snapshot.task.completed && !snapshot.task.archived;
  if (active && limits.max_tasks !== null && activeTasks >= limits.max_tasks) throw new LimitExceeded("active tasks", limits.max_tasks, activeTasks);

  const task = restoredTask(snapshot, stamp);
  unit.writeAll([...claim, ...(active ? activeTaskLimitGuard(ctx, userId, limits.max_tasks) : []), ...restoreTaskStatements(ctx, userId, input.id, snapshot, stamp)]);
  unit.emit({ type: "task.restored", task, tombstoneId: input.id });
  return { tombstone_id: input.id, entity_type: "task", entity_id: task.id, task };
}
