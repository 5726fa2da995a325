import { sql } from "drizzle-orm";
import { Unauthorized, VersionConflict } from "../../errors/api-error";
import { diffFields } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "./get-me";
import { toUserView, userColumns, type UserRow, type UserView } from "./user-view";

/** docs/conventions.md "PATCH semantics": an omitted field stays; `avatar_url: null` clears it (name and timezone are not nullable). */
export interface UpdateMeInput {
  version: number;
  name?: string;
  /** Canonical IANA zone (validated by the route). */
  timezone?: string;
  avatar_url?: string | null;
}

const PATCHABLE = ["name", "timezone", "avatar_url"] as const;

/**
 * `PATCH /users/me` with optimistic locking (docs/conventions.md "Versions"), in the two round trips of a
 * write (services/unit-of-work.ts): read the user, then commit the update with its activity entry and the
 * idempotency record. The Worker computes the new row (version +1 and a new `updated_at` only when a value
 * really changes, so a no-op PATCH answers the unchanged user and logs nothing); the guard re-checks the
 * version at commit, so a concurrent PATCH that won in between makes this one a 409 with the user as it is
 * now (read by the guard itself), never a lost update.
 */
export function updateMe({ ctx, input }: { ctx: ServiceContext; input: UpdateMeInput }): Promise<UserView> {
  return runWrite(ctx, { operation: "users.update" }, (unit) => update(unit, input));
}

async function update(unit: WriteUnit, input: UpdateMeInput): Promise<UserView> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const read = unit.read(ctx.db.execute<UserRow>(sql`select ${userColumns("u")} from users u where u.id = ${userId}`));
  await unit.load();
  const currentRow = read.result.rows[0];
  if (currentRow === undefined) throw new Unauthorized("This account no longer exists.");
  const current = toUserView(currentRow);
  if (current.version !== input.version) throw new VersionConflict(current);

  const next: UserView = {
    ...current,
    name: input.name ?? current.name,
    timezone: input.timezone ?? current.timezone,
    avatar_url: input.avatar_url === undefined ? current.avatar_url : input.avatar_url,
  };
  const changes = diffFields(current, next, PATCHABLE);
  const changed = Object.keys(changes).length > 0;
  if (changed) {
    next.version = current.version + 1;
    next.updated_at = ctx.clock.now().toISOString();
    unit.emit({ type: "user.updated", user: next, changes });
  }
  const currentUser = sql`jsonb_build_object('current', (select to_jsonb(c) from (select ${userColumns("x")} from users x where x.id = ${userId}) c))`;
  unit.writeAll([
    ctx.db.execute(sql`
      update users u set name = ${next.name}, timezone = ${next.timezone}, avatar_url = ${next.avatar_url},
        version = ${next.version}, updated_at = ${changed ? sql`${next.updated_at}::timestamptz` : sql`u.updated_at`}
      where u.id = ${userId} and u.version = ${current.version}`),
    // A separate statement, so it sees (and reports) the version that won a race (fresh snapshot).
    ctx.db.execute(sql`select ${guard(
      "USER_VERSION_CONFLICT",
      sql`exists (select 1 from users where id = ${userId} and xmin = pg_current_xact_id()::xid)`,
      currentUser,
    )}`),
  ]);
  return next;
}
