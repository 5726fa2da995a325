import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { toUserView, userColumns, type UserRow, type UserView } from "../users/user-view";
import { newRefreshToken, refreshExpiry, tokenPair, type TokenPair } from "./tokens";

/** A verified external identity: Google's claims, or the local dev identity of `npm run token`. */
export interface SignInIdentity {
  /** Google's `sub`: the identity key of `users`. */
  sub: string;
  email: string;
  name: string | undefined;
  picture: string | undefined;
}

export interface SignInInput {
  identity: SignInIdentity;
  /** Canonical IANA zone for a new user (already validated); returning users keep theirs. */
  timezone: string | undefined;
  userAgent: string | undefined;
  ip: string | undefined;
}

export interface SignInResult {
  tokens: TokenPair;
  user: UserView;
  isNewUser: boolean;
}

const NAME_MAX = 100;
const AVATAR_MAX = 2048;
const USER_AGENT_MAX = 512;
const IP_MAX = 45;

/**
 * Sign-in after the identity is verified (docs/identity.md, docs/credits.md), in ONE database round trip – a `db.batch`, i.e. one
 * transaction whose statements run in order:
 *
 * 1. upsert the user by Google `sub` (new: tier free, the given timezone; returning: email/name/avatar
 *    refreshed, `version` bumped only when one of them changed). `ON CONFLICT (google_sub)` makes concurrent
 *    first sign-ins of one account produce one user.
 * 2. only when the row was inserted, the kickstart lot plus its ledger grant (`perpetua_grant_credits`,
 *    migration 0011); `credit_lots_one_kickstart_per_user` makes a second grant impossible anyway.
 * 3. revoke the user's live session(s) and their refresh tokens (`new_sign_in`: one active session per user).
 * 4. insert the new session and its first refresh token.
 *
 * The upsert locks the user row until the transaction ends, so concurrent sign-ins of one user run steps
 * 3–4 one after the other: the last one wins and the partial unique index
 * `auth_sessions_one_active_per_user` never sees two live sessions.
 */
export async function signIn({ ctx, input }: { ctx: ServiceContext; input: SignInInput }): Promise<SignInResult> {
  const now = ctx.clock.now().toISOString();
  const { identity } = input;
  const name = displayName(identity);
  const avatar = identity.picture !== undefined && identity.picture.startsWith("https://") && identity.picture.length <= AVATAR_MAX ? identity.picture : null;
  const sessionId = crypto.randomUUID();
  const refresh = await newRefreshToken();
  const kickstart = ctx.config.KICKSTART_CREDITS;

  const [upserted] = await ctx.db.batch([
    ctx.db.execute<UserRow & { is_new: boolean }>(sql`
      with upserted as (
        insert into users as u (google_sub, email, name, avatar_url, timezone, last_sign_in_at, created_at, updated_at)
        values (${identity.sub}, ${identity.email}, ${name}, ${avatar}, ${input.timezone ?? "UTC"},
                ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz)
        on conflict (google_sub) do update set
          email = excluded.email,
          name = excluded.name,
          avatar_url = excluded.avatar_url,
          last_sign_in_at = excluded.last_sign_in_at,
          version = u.version + case when (u.email, u.name, u.avatar_url)
            is distinct from (excluded.email, excluded.name, excluded.avatar_url) then 1 else 0 end,
          updated_at = case when (u.email, u.name, u.avatar_url)
            is distinct from (excluded.email, excluded.name, excluded.avatar_url) then excluded.updated_at else u.updated_at end
        returning u.*, (u.xmax = 0) as is_new
      )
      select ${userColumns("upserted")}, upserted.is_new from upserted`),
    // The kickstart grant through the one grant operation (services/credits/grant.ts), only for the row this
    // sign-in created (its created_at is this sign-in's instant; a returning user's is older). Idempotent
    // anyway: one kickstart lot per user, ever.
    ctx.db.execute(sql`
      select perpetua_grant_credits(u.id, 'kickstart', ${kickstart}::int, null, 'signup', 'signup', 'kickstart',
        ${ctx.requestId.slice(0, 128)}, ${now}::timestamptz) as result
      from users u
      where u.google_sub = ${identity.sub} and u.created_at = ${now}::timestamptz and ${kickstart}::int > 0`),
    ctx.db.execute(sql`
      with revoked as (
        update auth_sessions set revoked_at = ${now}::timestamptz, revoked_reason = 'new_sign_in'
        where user_id = (select id from users where google_sub = ${identity.sub}) and revoked_at is null
        returning id
      )
      update refresh_tokens set revoked_at = ${now}::timestamptz
      where session_id in (select id from revoked) and revoked_at is null`),
    ctx.db.execute(sql`
      with session as (
        insert into auth_sessions (id, user_id, created_at, last_used_at, user_agent, ip)
        select ${sessionId}, id, ${now}::timestamptz, ${now}::timestamptz, ${clip(input.userAgent, USER_AGENT_MAX)}, ${clip(input.ip, IP_MAX)}
        from users where google_sub = ${identity.sub}
        returning id, user_id
      )
      insert into refresh_tokens (token_hash, user_id, session_id, expires_at, created_at)
      select ${refresh.hash}, user_id, id, ${refreshExpiry(ctx).toISOString()}::timestamptz, ${now}::timestamptz from session`),
  ]);
  const row = upserted.rows[0];
  if (row === undefined) throw new Error("sign-in upsert returned no row");
  const user = toUserView(row);
  const tokens = await tokenPair(ctx, { userId: user.id, sessionId, tier: user.tier, refreshToken: refresh.token });
  return { tokens, user, isNewUser: row.is_new === true };
}

/** Google's name, trimmed to the 1–100 characters `users.name` allows; else the e-mail's local part. */
function displayName(identity: SignInIdentity): string {
  const candidates = [identity.name, identity.email.split("@")[0], "User"];
  for (const candidate of candidates) {
    const trimmed = candidate?.trim().replace(/\s+/g, " ") ?? "";
    if (trimmed.length > 0) return [...trimmed].slice(0, NAME_MAX).join("").trim();
  }
  return "User";
}

function clip(value: string | undefined, max: number): string | null {
  if (value === undefined || value.length === 0) return null;
  return value.slice(0, max);
}
