import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { FocusStatus } from "../../db/schema/focus";
import { cursorId, cursorTimestamp, decodeCursor, encodeCursor } from "../../lib/cursor";
import type { ServiceContext } from "../context";
import { requireUserId } from "../users/get-me";
import { focusSessionJsonSql, presentFocusSession, type FocusSession, type FocusSessionRecord } from "./present";

export interface FocusSessionQuery {
  status?: FocusStatus | undefined;
  limit: number;
  cursor?: string | undefined;
}

const cursorSchema = z.strictObject({ k: cursorTimestamp, id: cursorId });

/**
 * `GET /focus/sessions` (docs/reminders-notifications-realtime.md "Focus mode"): the user's sessions, newest
 * first, optionally of one status; keyset pagination on (started_at, id) over the index
 * `focus_sessions_user_started_idx` – one round trip.
 */
export async function listFocusSessions({ ctx, input }: { ctx: ServiceContext; input: FocusSessionQuery }): Promise<{ data: FocusSession[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const where: SQL[] = [sql`s.user_id = ${userId}`];
  if (input.status !== undefined) where.push(sql`s.status = ${input.status}`);
  if (input.cursor !== undefined) {
    const position = decodeCursor(input.cursor, cursorSchema);
    where.push(sql`(s.started_at, s.id) < (${position.k}::timestamptz, ${position.id}::uuid)`);
  }
  const result = await ctx.db.execute<{ session: FocusSessionRecord; k: string }>(sql`
    select ${focusSessionJsonSql("s")} as session, s.started_at::text as k
    from focus_sessions s
    where ${sql.join(where, sql` and `)}
    order by s.started_at desc, s.id desc
    limit ${input.limit + 1}`);
  const rows = result.rows.slice(0, input.limit);
  const last = rows.at(-1);
  const next_cursor = result.rows.length > input.limit && last !== undefined ? encodeCursor({ k: last.k, id: last.session.id }) : null;
  return { data: rows.map((row) => presentFocusSession(row.session)), next_cursor };
}
