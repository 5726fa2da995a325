import { sql } from "drizzle-orm";
import { Unauthorized } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { toUserView, userColumns, type UserRow, type UserView } from "./user-view";

/** The signed-in user (docs/identity.md `GET /users/me`), one round trip. */
export async function getMe({ ctx }: { ctx: ServiceContext }): Promise<UserView> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<UserRow>(sql`select ${userColumns("u")} from users u where u.id = ${userId}`);
  const row = result.rows[0];
  // A valid token for a user that no longer exists (account deleted within the token's 15 minutes).
  if (row === undefined) throw new Unauthorized("This account no longer exists.");
  return toUserView(row);
}

/** The acting user's id; services behind the auth middleware always have one. */
export function requireUserId(ctx: ServiceContext): string {
  const actor = ctx.actor;
  if (actor.type !== "user" && actor.type !== "ai") throw new Unauthorized();
  return actor.userId;
}
