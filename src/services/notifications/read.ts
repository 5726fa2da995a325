import { sql } from "drizzle-orm";
import { NotFound } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { runWrite } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { notificationColumns, presentNotification, type Notification, type NotificationRecord } from "./present";

/**
 * `POST /notifications/{id}/read`: marks one notification read and answers it. Reading a read one changes
 * nothing (its first read time is kept). Another user's id is 404. Two round trips: the notification (with
 * the Idempotency-Key lookup), then the update with the stored answer.
 */
export function markNotificationRead({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<Notification> {
  return runWrite(ctx, { operation: "notifications.read" }, async (unit) => {
    const userId = requireUserId(ctx);
    const rows = unit.read(
      ctx.db.execute<NotificationRecord>(sql`select ${notificationColumns} from notifications n where n.id = ${input.id} and n.user_id = ${userId}`),
    );
    await unit.load();
    const row = rows.result.rows[0];
    if (row === undefined) throw new NotFound("Notification");
    if (row.read_at !== null) return presentNotification(row);
    const stamp = ctx.clock.now().toISOString();
    unit.write(ctx.db.execute(sql`update notifications set read_at = ${stamp}::timestamptz where id = ${row.id} and user_id = ${userId} and read_at is null`));
    return presentNotification({ ...row, read_at: stamp });
  });
}

/**
 * `POST /notifications/read-all`: marks every unread notification read and answers how many it marked
 * (decided by the batch itself, so parallel calls never count one notification twice). Two round trips:
 * the Idempotency-Key lookup, then the update with the stored answer.
 */
export function markAllNotificationsRead({ ctx }: { ctx: ServiceContext }): Promise<{ marked_read: number }> {
  return runWrite(ctx, { operation: "notifications.read_all" }, async (unit) => {
    const userId = requireUserId(ctx);
    await unit.load();
    // The marked rows carry this exact instant (a random microsecond within the request's millisecond), so the
    // batch counts the rows this call marked – a parallel read-all skips rows already read and has its own.
    const micros = String(1 + Math.floor(Math.random() * 999)).padStart(3, "0");
    const stamp = `${ctx.clock.now().toISOString().slice(0, 23)}${micros}Z`;
    const result = { marked_read: 0 };
    unit.write(ctx.db.execute(sql`update notifications set read_at = ${stamp}::timestamptz where user_id = ${userId} and read_at is null`));
    result.marked_read = unit.bindInteger(
      "marked_read",
      sql`(select count(*) from notifications where user_id = ${userId} and read_at = ${stamp}::timestamptz)`,
      (value) => {
        result.marked_read = value;
      },
    );
    return result;
  });
}
