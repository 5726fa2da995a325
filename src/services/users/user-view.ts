import { sql, type SQL } from "drizzle-orm";
import type { UserTier } from "../../db/schema/identity";

/** The user resource as the API shows it (docs/identity.md `GET /users/me`). */
export interface UserView {
  id: string;
  email: string;
  name: string;
  avatar_url: string | null;
  timezone: string;
  tier: UserTier;
  version: number;
  created_at: string;
  updated_at: string;
}

/**
 * A `users` row as raw SQL returns it through `userColumns` (numbers may arrive as text). A type alias, not
 * an interface, so it satisfies drizzle's `Record<string, unknown>` row constraint.
 */
export type UserRow = Omit<UserView, "version"> & { version: number | string };

/** RFC 3339 UTC text straight from Postgres, so raw statements need no text-to-Date round trip. */
export function isoTimestamp(column: SQL): SQL {
  return sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The select list that yields a `UserRow` from table alias `alias` (a code-owned identifier). */
export function userColumns(alias: string): SQL {
  const c = (name: string) => sql.raw(`${alias}.${name}`);
  return sql`${c("id")} as id, ${c("email")} as email, ${c("name")} as name, ${c("avatar_url")} as avatar_url,
    ${c("timezone")} as timezone, ${c("tier")} as tier, ${c("version")} as version,
    ${isoTimestamp(c("created_at"))} as created_at, ${isoTimestamp(c("updated_at"))} as updated_at`;
}

export function toUserView(row: UserRow): UserView {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    avatar_url: row.avatar_url,
    timezone: row.timezone,
    tier: row.tier,
    version: Number(row.version),
    created_at: row.created_at,
    updated_at: row.updated_at,
  };
}
