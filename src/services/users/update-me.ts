import { sql } from "drizzle-orm";
import { Unauthorized, VersionConflict } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { jsonResponse, type StoredResponse } from "../idempotency/types";
import { commitWrite, GuardFailed, readForWrite } from "../writes";
import { requireUserId } from "./get-me";
import { toUserView, userColumns, type UserRow, type UserView } from "./user-view";

/** SPEC §1.4: an omitted field stays; `avatar_url: null` clears it (name and timezone are not nullable). */
export interface UpdateMeInput {
  version: number;
  name?: string;
  /** Canonical IANA zone (validated by the route). */
  timezone?: string;
  avatar_url?: string | null;
}

/**
 * `PATCH /users/me` with optimistic locking (SPEC §1.5) in the two round trips of services/writes.ts:
 * 1. read the user (the Idempotency-Key lookup rides along; a completed key replays there);
 * 2. commit the update together with the idempotency record holding the exact response.
 * The Worker computes the new row (version +1 and a new `updated_at` only when a value really changes, so a
 * no-op PATCH answers the unchanged user); `perpetua_guard(version = $seen)` in the UPDATE re-checks the
 * version at commit, so a concurrent PATCH that won in between makes this one a 409, never a lost update.
 */
export async function updateMe({ ctx, input }: { ctx: ServiceContext; input: UpdateMeInput }): Promise<StoredResponse> {
  const userId = requireUserId(ctx);
  const selectUser = () => ctx.db.execute<UserRow>(sql`select ${userColumns("u")} from users u where u.id = ${userId}`);
  const [read] = await readForWrite(ctx, [selectUser()]);
  const currentRow = read.rows[0];
  if (currentRow === undefined) throw new Unauthorized("This account no longer exists.");
  const current = toUserView(currentRow);
  if (current.version !== input.version) throw new VersionConflict(current);

  const next: UserView = {
    ...current,
    name: input.name ?? current.name,
    timezone: input.timezone ?? current.timezone,
    avatar_url: input.avatar_url === undefined ? current.avatar_url : input.avatar_url,
  };
  const changed = next.name !== current.name || next.timezone !== current.timezone || next.avatar_url !== current.avatar_url;
  if (changed) {
    next.version = current.version + 1;
    next.updated_at = ctx.clock.now().toISOString();
  }
  const response = jsonResponse(200, { data: next });
  try {
    await commitWrite(
      ctx,
      [
        ctx.db.execute(sql`
          update users u set name = ${next.name}, timezone = ${next.timezone}, avatar_url = ${next.avatar_url},
            version = ${next.version}, updated_at = ${changed ? sql`${next.updated_at}::timestamptz` : sql`u.updated_at`}
          where u.id = ${userId} and perpetua_guard(u.version = ${current.version}, 'VERSION_CONFLICT')`),
      ],
      response,
    );
  } catch (error) {
    if (!(error instanceof GuardFailed) || error.code !== "VERSION_CONFLICT") throw error;
    // Lost a race after our read: report the version that won (one more read, on this rare path only).
    const [latest] = await readForWrite(ctx, [selectUser()]);
    const latestRow = latest.rows[0];
    if (latestRow === undefined) throw new Unauthorized("This account no longer exists.");
    throw new VersionConflict(toUserView(latestRow));
  }
  return response;
}
