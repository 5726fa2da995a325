import type { Context } from "hono";
import { matchedRoutes } from "hono/route";
import type { Deprecation } from "../lib/deprecation";

/** Which UserGuard budget an operation is counted in (docs/conventions.md "Rate limits"); `none` is exempt. */
export type RateLimitClass = "general" | "ai" | "auth" | "none";

/**
 * What the middleware chain needs to know about an operation, declared with the operation itself
 * (routes/define-route.ts) instead of in path lists: whether it needs an access token, whether a POST/PATCH
 * needs an Idempotency-Key, which rate-limit budget counts it, and whether it is deprecated.
 */
export interface RouteFlags {
  /** `public`: no access token (sign-in, refresh, health, signed webhooks). Default `user`. */
  access: "public" | "user";
  /** Requires `Idempotency-Key` and replays. Default: POST and PATCH of user operations. */
  idempotent: boolean;
  rateLimit: RateLimitClass;
  /** A body limit other than the default 1 MB (middleware/body-limit.ts), e.g. an audio upload. */
  maxBodyBytes?: number;
  /**
   * Refusals of the body itself (over the limit, a media type the operation does not take) answered
   * `400 VALIDATION_ERROR` instead of 413/415: an upload whose every bad file is one "cannot be accepted"
   * answer (`POST /notes/{id}/transcribe`).
   */
  bodyRefusalStatus?: 400;
  /** Deprecated operation: the headers and the counter of middleware/deprecation.ts (docs/deprecation.md). */
  deprecated?: Deprecation;
  /**
   * Every effect of the operation commits in its unit of work's commit batch (services/unit-of-work.ts) or in
   * the idempotency middleware's stored outcome – no provider call, no batch of its own. Its read round trip
   * then runs while the rate limiter decides, and only the commit waits for the decision
   * (middleware/rate-limit.ts). Declared per operation, because only its services know it.
   */
  unitOfWork?: true;
}

const FLAGS = new Map<string, RouteFlags>();

/** Called once per operation at definition time (module evaluation); the map is never written afterwards. */
export function registerRouteFlags(method: string, openApiPath: string, flags: RouteFlags): void {
  FLAGS.set(key(method, openApiPath.replace(/\{(\w+)\}/g, ":$1")), flags);
}

/** Every operation registered so far (`METHOD /path/:param` → flags): the tests over all routes read it. */
export function registeredRouteFlags(): ReadonlyMap<string, RouteFlags> {
  return FLAGS;
}

/**
 * The flags of the operation this request matched, or undefined when no operation matched (the 404/405
 * fallback answers it, so a typo says "no such route" rather than "sign in"). `prefix` is where the
 * operation's router is mounted (`/api/v1`).
 */
export function routeFlags(c: Context, prefix: string): RouteFlags | undefined {
  for (const route of matchedRoutes(c)) {
    if (route.method === "ALL") continue;
    const path = route.path.startsWith(prefix) ? route.path.slice(prefix.length) : route.path;
    const flags = FLAGS.get(key(route.method, path)) ?? FLAGS.get(key(route.method, route.path));
    // An operation registered without defineRoute gets the safe defaults: a user operation.
    return flags ?? defaultFlags(route.method, "user");
  }
  return undefined;
}

export function defaultFlags(method: string, access: RouteFlags["access"]): RouteFlags {
  const upper = method.toUpperCase();
  return {
    access,
    idempotent: access === "user" && (upper === "POST" || upper === "PATCH"),
    rateLimit: access === "user" ? "general" : "none",
  };
}

function key(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}
