import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { ActivityActor } from "../../db/schema/activity";
import { NotFound, ValidationFailed } from "../../errors/api-error";
import { cursorId, cursorTimestamp, decodeCursor, encodeCursor } from "../../lib/cursor";
import type { ServiceContext } from "../context";
import { iso } from "../tasks/present";
import { requireUserId } from "../users/get-me";

export interface ActivityEntry {
  id: string;
  entity_type: string;
  entity_id: string;
  action: string;
  actor: ActivityActor;
  changes: Record<string, unknown>;
  request_id: string | null;
  created_at: string;
}

type Row = ActivityEntry & Record<string, unknown>;

export interface ActivityQuery {
  entity_type?: string | undefined;
  entity_id?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

const cursorSchema = z.strictObject({ o: z.enum(["asc", "desc"]), k: cursorTimestamp, id: cursorId });

/**
 * `GET /activity` (docs/recovery-and-activity.md): the user's activity log, newest first, optionally for one entity; keyset
 * pagination on (created_at, id) – one round trip.
 */
export async function listActivity({ ctx, input }: { ctx: ServiceContext; input: ActivityQuery }): Promise<{ data: ActivityEntry[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const filters: SQL[] = [];
  if (input.entity_type !== undefined) filters.push(sql`a.entity_type = ${input.entity_type}`);
  if (input.entity_id !== undefined) filters.push(sql`a.entity_id = ${input.entity_id}`);
  const page = await readPage(ctx, userId, filters, "desc", input);
  return page;
}

/**
 * `GET /tasks/{id}/history` (docs/recovery-and-activity.md): the task's own entries, oldest first – they carry no foreign key, so
 * they survive the task's deletion and restore. A task that never existed for this user (no entry at all)
 * is 404, in the same round trip (the first page is empty only then).
 */
export async function taskHistory({ ctx, input }: { ctx: ServiceContext; input: { id: string; limit: number; cursor?: string | undefined } }): Promise<{ data: ActivityEntry[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const page = await readPage(ctx, userId, [sql`a.entity_type = 'task'`, sql`a.entity_id = ${input.id}`], "asc", input);
  if (page.data.length === 0 && input.cursor === undefined) throw new NotFound("Task");
  return page;
}

/** `GET /notes/{id}/history`: like taskHistory, for a note (its entries survive its deletion and restore). */
export async function noteHistory({ ctx, input }: { ctx: ServiceContext; input: { id: string; limit: number; cursor?: string | undefined } }): Promise<{ data: ActivityEntry[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const page = await readPage(ctx, userId, [sql`a.entity_type = 'note'`, sql`a.entity_id = ${input.id}`], "asc", input);
  if (page.data.length === 0 && input.cursor === undefined) throw new NotFound("Note");
  return page;
}

async function readPage(
  ctx: ServiceContext,
  userId: string,
  filters: SQL[],
  order: "asc" | "desc",
  input: { limit: number; cursor?: string | undefined },
): Promise<{ data: ActivityEntry[]; next_cursor: string | null }> {
  const where = [sql`a.user_id = ${userId}`, ...filters];
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, cursorSchema);
    if (position.o !== order) throw new ValidationFailed([{ field: "query.cursor", reason: "Not a cursor returned by this listing." }]);
    where.push(sql`(a.created_at, a.id) ${sql.raw(order === "asc" ? ">" : "<")} (${position.k}::timestamptz, ${position.id}::uuid)`);
  }
  const direction = sql.raw(order);
  const result = await ctx.db.execute<Row>(sql`
    select a.id, a.entity_type, a.entity_id, a.action, a.actor, a.changes, a.request_id, a.created_at::text as created_at
    from activity_log a
    where ${sql.join(where, sql` and `)}
    order by a.created_at ${direction}, a.id ${direction}
    limit ${input.limit + 1}`);
  const rows = result.rows.slice(0, input.limit);
  const last = rows.at(-1);
  const next_cursor = result.rows.length > input.limit && last !== undefined ? encodeCursor({ o: order, k: last.created_at, id: last.id }) : null;
  return {
    data: rows.map((row) => ({
      id: row.id,
      entity_type: row.entity_type,
      entity_id: row.entity_id,
      action: row.action,
      actor: row.actor,
      changes: row.changes,
      request_id: row.request_id,
      created_at: iso(row.created_at),
    })),
    next_cursor,
  };
}
