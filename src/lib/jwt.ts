import { SignJWT, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { ACCESS_TOKEN_ALG, loadSigningKeys, type KeyConfig } from "./jwt-keys";

/**
 * Our access tokens (docs/identity.md): RS256 JWTs, claims `sub` (user id), `sid` (login session), `tier`, `iss`,
 * `aud`, `iat`, `exp`, `jti`, header `kid`. Verification is stateless – no database – which is why a
 * logged-out session's access token stays valid until it expires (≤ ACCESS_TOKEN_TTL_SECONDS); refresh
 * tokens, which are checked against the database, die at once.
 */
export type Tier = "free" | "pro";

export interface AccessTokenConfig extends KeyConfig {
  JWT_ISSUER: string;
  JWT_AUDIENCE: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
}

export interface AccessClaims {
  userId: string;
  sessionId: string;
  tier: Tier;
}

export async function signAccessToken(config: AccessTokenConfig, claims: AccessClaims, now: Date): Promise<string> {
  const keys = await loadSigningKeys(config);
  const issuedAt = Math.floor(now.getTime() / 1000);
  return new SignJWT({ sid: claims.sessionId, tier: claims.tier })
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: keys.kid, typ: "JWT" })
    .setSubject(claims.userId)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(config.JWT_AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + config.ACCESS_TOKEN_TTL_SECONDS)
    .setJti(crypto.randomUUID())
    .sign(keys.privateKey);
}

/** Why a presented access token was refused; the middleware maps it to UNAUTHORIZED or TOKEN_EXPIRED. */
export class AccessTokenRejected extends Error {
  constructor(
    readonly reason: "expired" | "invalid",
    detail: string,
  ) {
    super(detail);
    this.name = "AccessTokenRejected";
  }
}

/** How far `iat` may be ahead of the verifying clock (hardening item 6). */
export const ACCESS_TOKEN_CLOCK_SKEW_SECONDS = 60;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Verifies signature (RS256 only, by `kid` among our current and previous keys), `iss`, `aud`, `exp`
 * against the request's clock, `iat` at most ACCESS_TOKEN_CLOCK_SKEW_SECONDS ahead of it, and the shape of
 * our own claims. `alg: none`, HS256 signed with our public key as the secret, a foreign or missing `kid` – all fail before any claim is trusted.
 */
export async function verifyAccessToken(config: AccessTokenConfig, token: string, now: Date): Promise<AccessClaims> {
  const keys = await loadSigningKeys(config);
  let kid: unknown;
  try {
    kid = decodeProtectedHeader(token).kid;
  } catch {
    throw new AccessTokenRejected("invalid", "malformed token");
  }
  if (typeof kid !== "string" || !keys.jwks.keys.some((key) => key.kid === kid)) {
    throw new AccessTokenRejected("invalid", "unknown kid");
  }
  try {
    const { payload } = await jwtVerify(token, keys.keyFor, {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      currentDate: now,
      requiredClaims: ["sub", "sid", "tier", "iat", "exp", "jti"],
    });
    // We issue these tokens ourselves, so an `iat` ahead of the request's clock by more than a small skew
    // (clocks of two machines) is not ours or was minted with a wrong clock: refuse it.
    if (typeof payload.iat !== "number" || payload.iat > Math.floor(now.getTime() / 1000) + ACCESS_TOKEN_CLOCK_SKEW_SECONDS) {
      throw new AccessTokenRejected("invalid", "iat in the future");
    }
    const { sub, sid, tier } = payload;
    if (typeof sub !== "string" || !UUID.test(sub) || typeof sid !== "string" || !UUID.test(sid)) {
      throw new AccessTokenRejected("invalid", "bad subject or session claim");
    }
    if (tier !== "free" && tier !== "pro") throw new AccessTokenRejected("invalid", "bad tier claim");
    return { userId: sub, sessionId: sid, tier };
  } catch (error) {
    if (error instanceof AccessTokenRejected) throw error;
    // jose checks the signature before any claim, so "expired" is only ever said of a genuine token.
    if (error instanceof errors.JWTExpired) throw new AccessTokenRejected("expired", "token expired");
    if (error instanceof errors.JOSEError) throw new AccessTokenRejected("invalid", error.code);
    throw error;
  }
}
