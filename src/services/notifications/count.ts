import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { requireUserId } from "../users/get-me";

/** `GET /notifications/unread-count`: the badge number, one round trip on the unread index. */
export async function unreadNotificationCount({ ctx }: { ctx: ServiceContext }): Promise<{ unread: number }> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ unread: string | number }>(sql`
    select count(*) as unread from notifications n where n.user_id = ${userId} and n.read_at is null`);
  return { unread: Number(result.rows[0]?.unread ?? 0) };
}
