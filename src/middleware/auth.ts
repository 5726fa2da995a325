import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { AccessTokenRejected, verifyAccessToken, type AccessClaims } from "../lib/jwt";
import { routeFlags } from "./route-flags";

const BEARER = /^Bearer[ \t]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)[ \t]*$/i;

/** The access token of `Authorization: Bearer <jwt>`, or undefined when absent or not a JWS shape. */
export function bearerToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header("Authorization");
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * The verified claims of the request's bearer access token (stateless – no database round trip; see
 * lib/jwt.ts). Missing or invalid → 401 UNAUTHORIZED, expired → 401 TOKEN_EXPIRED, each with
 * `WWW-Authenticate` (RFC 6750). Used by the authentication middleware and by the public operations that
 * accept an access token too (logout).
 */
export async function verifiedBearer(c: Context<AppEnv>): Promise<AccessClaims> {
  const token = bearerToken(c);
  if (token === undefined) {
    const message = c.req.header("Authorization") === undefined ? "Authentication is required." : "The Authorization header must be `Bearer <access token>`.";
    throw new ApiError("UNAUTHORIZED", { message, headers: { "WWW-Authenticate": 'Bearer realm="api"' } });
  }
  const services = c.get("services");
  try {
    return await verifyAccessToken(c.get("config"), token, services.clock.now());
  } catch (error) {
    if (!(error instanceof AccessTokenRejected)) throw error;
    throw error.reason === "expired"
      ? new ApiError("TOKEN_EXPIRED", { headers: { "WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"' } })
      : new ApiError("UNAUTHORIZED", { message: "The access token is not valid.", headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } });
  }
}

/** Makes the verified user the request's actor (log line, services). */
export function actAsUser(c: Context<AppEnv>, claims: AccessClaims): void {
  c.set("userId", claims.userId);
  c.get("services").actor = { type: "user", userId: claims.userId, sessionId: claims.sessionId, tier: claims.tier };
}

/**
 * Authentication for every operation whose flags say `access: "user"` (routes/define-route.ts; the default):
 * verifies the bearer access token and makes the user the actor. Public operations and paths no operation
 * matches pass through – the latter to the 404/405 fallback, so a typo answers "no such route" rather than
 * "sign in" (the list of routes is public anyway: /openapi.json).
 */
export function authentication(apiPrefix: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    if (routeFlags(c, apiPrefix)?.access !== "user") return next();
    actAsUser(c, await verifiedBearer(c));
    await next();
  });
}
