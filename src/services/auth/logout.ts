import { sql } from "drizzle-orm";
import { Unauthorized } from "../../errors/api-error";
import { sha256Hex } from "../../lib/hashing";
import type { ServiceContext } from "../context";

export type LogoutInput =
  /** The session a refresh token belongs to (works even after the access token expired). */
  | { refreshToken: string }
  /** The session of a verified access token (`sid`), scoped to its user. */
  | { userId: string; sessionId: string };

/**
 * `POST /auth/logout` (docs/identity.md): revokes the session and every refresh token in it, in one statement.
 * Idempotent: logging out of a session that already ended succeeds again (a retried logout must not fail),
 * but a refresh token we never issued is `401 UNAUTHORIZED`. The session's access tokens are not tracked
 * (stateless JWTs) and stay valid until they expire, ≤ ACCESS_TOKEN_TTL_SECONDS later.
 */
export async function logout({ ctx, input }: { ctx: ServiceContext; input: LogoutInput }): Promise<void> {
  const now = ctx.clock.now().toISOString();
  const target =
    "refreshToken" in input
      ? sql`select session_id as id from refresh_tokens where token_hash = ${await sha256Hex(input.refreshToken)}`
      : sql`select id from auth_sessions where id = ${input.sessionId} and user_id = ${input.userId}`;
  const result = await ctx.db.execute<{ id: string }>(sql`
    with target as (${target}),
    ended as (
      update auth_sessions set revoked_at = ${now}::timestamptz, revoked_reason = 'logout'
      where id in (select id from target) and revoked_at is null
      returning id
    ),
    tokens as (
      update refresh_tokens set revoked_at = ${now}::timestamptz
      where session_id in (select id from target) and revoked_at is null
      returning id
    )
    select id from target`);
  if (result.rows.length === 0) throw new Unauthorized("Unknown session.");
}
