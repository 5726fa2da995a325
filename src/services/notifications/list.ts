import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import { cursorId, cursorTimestamp, decodeCursor, encodeCursor } from "../../lib/cursor";
import type { ServiceContext } from "../context";
import { requireUserId } from "../users/get-me";
import { notificationColumns, presentNotification, type Notification, type NotificationRecord } from "./present";

export interface NotificationQuery {
  unread?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

// Position after the last row served: its read state (unread rows come first), created_at and id.
const cursorSchema = z.strictObject({ r: z.boolean(), k: cursorTimestamp, id: cursorId });

/**
 * `GET /notifications` (docs/reminders-notifications-realtime.md#notifications): unread first, then read, each
 * newest first; keyset pagination on (read, created_at, id), so notifications arriving or being read while
 * the client pages never make it skip one it has not seen (a row read meanwhile may be served again, under
 * "read"). `unread=true` lists unread ones only. One round trip.
 */
export async function listNotifications({ ctx, input }: { ctx: ServiceContext; input: NotificationQuery }): Promise<{ data: Notification[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const where: SQL[] = [sql`n.user_id = ${userId}`];
  if (input.unread === true) where.push(sql`n.read_at is null`);
  if (input.unread === false) where.push(sql`n.read_at is not null`);
  if (input.cursor !== undefined) {
    const after = decodeCursor(input.cursor, cursorSchema);
    // Unread (false) sorts before read (true); within each, newest first.
    where.push(sql`((n.read_at is not null) > ${after.r}
      or ((n.read_at is not null) = ${after.r} and (n.created_at, n.id) < (${after.k}::timestamptz, ${after.id}::uuid)))`);
  }
  const result = await ctx.db.execute<NotificationRecord>(sql`
    select ${notificationColumns} from notifications n
    where ${sql.join(where, sql` and `)}
    order by (n.read_at is not null), n.created_at desc, n.id desc
    limit ${input.limit + 1}`);
  const rows = result.rows.slice(0, input.limit);
  const last = rows.at(-1);
  const next_cursor = result.rows.length > input.limit && last !== undefined ? encodeCursor({ r: last.read_at !== null, k: last.created_at, id: last.id }) : null;
  return { data: rows.map(presentNotification), next_cursor };
}
