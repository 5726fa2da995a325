import { sql } from "drizzle-orm";
import { ApiError, Unauthorized } from "../../errors/api-error";
import type { UserTier } from "../../db/schema/identity";
import { sha256Hex } from "../../lib/hashing";
import type { ServiceContext } from "../context";
import { newRefreshToken, refreshExpiry, tokenPair, type TokenPair } from "./tokens";

/**
 * A token rotated less than this many seconds ago, presented again, is treated as a benign duplicate (two
 * tabs refreshing at once, a client retrying a refresh whose answer it lost) and answered
 * `401 UNAUTHORIZED` WITHOUT revoking the session. Later than that it is reuse (docs/identity.md) and kills the
 * session. Why: taken literally, "an already-rotated token presented again revokes the session" would log
 * a user out because their own client raced itself – the parallel loser would revoke the pair the winner
 * just received. The grace does not help a thief: a stolen token presented inside the window gets nothing,
 * and if the thief rotated first, the victim's next sign-in revokes the thief's session (one active session
 * per user). Reuse outside the window – the case reuse detection exists for – still revokes everything.
 */
export const REUSE_GRACE_SECONDS = 10;

// A type alias (not an interface) so it satisfies drizzle's Record<string, unknown> row constraint.
type PresentedRow = {
  user_id: string;
  session_id: string;
  tier: UserTier;
  issued: number | string;
  expired: boolean;
  rotated: boolean;
  within_grace: boolean;
  usable: boolean;
};

/**
 * `POST /auth/refresh` (docs/identity.md) in ONE statement, so "two refreshes with one token → exactly one new
 * pair" holds under real concurrency: the presented token is revoked by `UPDATE … WHERE revoked_at IS NULL`
 * and the successor is inserted only from that update's RETURNING. Of two parallel requests, the second
 * blocks on the row lock, re-checks `revoked_at IS NULL` after the first commits, updates nothing and
 * therefore inserts nothing. Reuse (a rotated token, outside the grace) revokes the session and all of its
 * refresh tokens in the same statement. Access tokens already issued stay valid until they expire
 * (stateless, ≤ ACCESS_TOKEN_TTL_SECONDS).
 */
export async function refreshSession({ ctx, input }: { ctx: ServiceContext; input: { refreshToken: string } }): Promise<TokenPair> {
  const now = ctx.clock.now().toISOString();
  const hash = await sha256Hex(input.refreshToken);
  const next = await newRefreshToken();
  const nextId = crypto.randomUUID();

  const result = await ctx.db.execute<PresentedRow>(sql`
    with presented as (
      select t.user_id, t.session_id, t.revoked_at, t.replaced_by, t.expires_at, s.revoked_at as session_revoked_at
      from refresh_tokens t join auth_sessions s on s.id = t.session_id
      where t.token_hash = ${hash}
    ),
    rotated as (
      update refresh_tokens t set revoked_at = ${now}::timestamptz, replaced_by = ${nextId}
      from auth_sessions s
      where t.token_hash = ${hash} and t.revoked_at is null and t.expires_at > ${now}::timestamptz
        and s.id = t.session_id and s.revoked_at is null
      returning t.user_id, t.session_id
    ),
    issued as (
      insert into refresh_tokens (id, token_hash, user_id, session_id, expires_at, created_at)
      select ${nextId}, ${next.hash}, user_id, session_id, ${refreshExpiry(ctx).toISOString()}::timestamptz, ${now}::timestamptz
      from rotated
      returning id
    ),
    touched as (
      update auth_sessions set last_used_at = ${now}::timestamptz where id in (select session_id from rotated) returning id
    ),
    reused as (
      update auth_sessions set revoked_at = ${now}::timestamptz, revoked_reason = 'refresh_token_reused'
      where revoked_at is null and id in (
        select session_id from presented
        where replaced_by is not null and expires_at > ${now}::timestamptz
          and revoked_at <= ${now}::timestamptz - ${REUSE_GRACE_SECONDS}::int * interval '1 second'
      )
      returning id
    ),
    reused_tokens as (
      update refresh_tokens set revoked_at = ${now}::timestamptz
      where session_id in (select id from reused) and revoked_at is null
      returning id
    )
    -- touched / reused_tokens need no reference: data-modifying CTEs always run to completion.
    select p.user_id, p.session_id,
      (select tier from users where id = p.user_id) as tier,
      (select count(*) from issued) as issued,
      p.expires_at <= ${now}::timestamptz as expired,
      p.replaced_by is not null as rotated,
      p.revoked_at > ${now}::timestamptz - ${REUSE_GRACE_SECONDS}::int * interval '1 second' as within_grace,
      p.revoked_at is null and p.session_revoked_at is null as usable
    from presented p`);

  const row = result.rows[0];
  if (row === undefined) throw new Unauthorized("The refresh token is not valid.");
  if (Number(row.issued) === 1) {
    return tokenPair(ctx, { userId: row.user_id, sessionId: row.session_id, tier: row.tier, refreshToken: next.token });
  }
  if (row.expired) throw new Unauthorized("The refresh token has expired; sign in again.");
  if (row.rotated && !row.within_grace) throw new ApiError("REFRESH_TOKEN_REUSED");
  if (row.rotated || row.usable) {
    // A concurrent request rotated this token a moment ago (see REUSE_GRACE_SECONDS).
    throw new Unauthorized("This refresh token was just rotated by another request; use the newest refresh token.");
  }
  throw new Unauthorized("The session of this refresh token has ended; sign in again.");
}
