import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { AccessTokenRejected, verifyAccessToken, type AccessClaims } from "../lib/jwt";

/**
 * Operations under /api/v1 that need no access token (SPEC §2 "all other routes need Authorization"), as
 * path prefixes relative to /api/v1. One list for the runtime (below) and the OpenAPI document
 * (define-route.ts), so they cannot disagree. Webhooks authenticate by signature: add "/webhooks/" here.
 */
export const PUBLIC_PATH_PREFIXES: readonly string[] = ["/auth/", "/health/"];

/** Whether an operation path (relative to /api/v1) is public. */
export function isPublicPath(path: string, prefixes: readonly string[] = PUBLIC_PATH_PREFIXES): boolean {
  return prefixes.some((prefix) => path.startsWith(prefix));
}

const BEARER = /^Bearer[ \t]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)[ \t]*$/i;

/** The access token of `Authorization: Bearer <jwt>`, or undefined when absent or not a JWS shape. */
export function bearerToken(c: Context<AppEnv>): string | undefined {
  const header = c.req.header("Authorization");
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * Authentication for every /api/v1 operation outside PUBLIC_PATH_PREFIXES: verifies the bearer access
 * token (stateless – no database round trip; see lib/jwt.ts), then sets `userId` for the log line and
 * replaces the service context's anonymous actor with the user. Missing or invalid → 401 UNAUTHORIZED,
 * expired → 401 TOKEN_EXPIRED, each with `WWW-Authenticate` (RFC 6750).
 *
 * A path no operation matches is left to the 404/405 fallback, so a typo answers "no such route" rather
 * than "sign in" – the list of routes is public anyway (/openapi.json).
 */
export function authentication(apiPrefix: string, publicPrefixes: readonly string[] = PUBLIC_PATH_PREFIXES) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const relative = c.req.path.slice(apiPrefix.length);
    if (isPublicPath(relative, publicPrefixes) || !matchesOperation(c)) return next();
    const token = bearerToken(c);
    if (token === undefined) {
      const message = c.req.header("Authorization") === undefined ? "Authentication is required." : "The Authorization header must be `Bearer <access token>`.";
      throw new ApiError("UNAUTHORIZED", { message, headers: { "WWW-Authenticate": 'Bearer realm="api"' } });
    }
    const services = c.get("services");
    let claims: AccessClaims;
    try {
      claims = await verifyAccessToken(c.get("config"), token, services.clock.now());
    } catch (error) {
      if (!(error instanceof AccessTokenRejected)) throw error;
      throw error.reason === "expired"
        ? new ApiError("TOKEN_EXPIRED", { headers: { "WWW-Authenticate": 'Bearer error="invalid_token", error_description="expired"' } })
        : new ApiError("UNAUTHORIZED", { message: "The access token is not valid.", headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } });
    }
    c.set("userId", claims.userId);
    services.actor = { type: "user", userId: claims.userId, sessionId: claims.sessionId, tier: claims.tier };
    await next();
  });
}

// Middleware is registered with method ALL; a real operation has its own method.
function matchesOperation(c: Context<AppEnv>): boolean {
  return matchedRoutes(c).some((route) => route.method !== "ALL");
}
