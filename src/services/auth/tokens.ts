import type { UserTier } from "../../db/schema/identity";
import { randomBase64Url, sha256Hex } from "../../lib/hashing";
import { signAccessToken } from "../../lib/jwt";
import type { ServiceContext } from "../context";

/** 32 random bytes = 256 bits (docs/identity.md "opaque random ≥ 256 bits"), base64url: 43 characters. */
const REFRESH_TOKEN_BYTES = 32;

export interface NewRefreshToken {
  /** Handed to the client once, never stored or logged. */
  token: string;
  /** What the database keeps (refresh_tokens.token_hash). */
  hash: string;
}

export async function newRefreshToken(): Promise<NewRefreshToken> {
  const token = randomBase64Url(REFRESH_TOKEN_BYTES);
  return { token, hash: await sha256Hex(token) };
}

/** The docs/identity.md token response, without the user. */
export interface TokenPair {
  access_token: string;
  refresh_token: string;
  token_type: "Bearer";
  /** Lifetime of the access token in seconds. */
  expires_in: number;
}

export async function tokenPair(
  ctx: ServiceContext,
  session: { userId: string; sessionId: string; tier: UserTier; refreshToken: string },
): Promise<TokenPair> {
  const accessToken = await signAccessToken(
    ctx.config,
    { userId: session.userId, sessionId: session.sessionId, tier: session.tier },
    ctx.clock.now(),
  );
  return {
    access_token: accessToken,
    refresh_token: session.refreshToken,
    token_type: "Bearer",
    expires_in: ctx.config.ACCESS_TOKEN_TTL_SECONDS,
  };
}

/** Expiry of a refresh token issued now (REFRESH_TOKEN_TTL_SECONDS, 7 days by default). */
export function refreshExpiry(ctx: ServiceContext): Date {
  return new Date(ctx.clock.now().getTime() + ctx.config.REFRESH_TOKEN_TTL_SECONDS * 1000);
}
