import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { checkGuard, type BucketRequest, type GuardDecision, type GuardSubject } from "../../durable-objects/user-guard/client";
import type { AppEnv } from "../app-env";
import type { Config } from "../env";
import { ApiError } from "../errors/api-error";

/** Paths (below /api/v1) that are never rate limited: health probes and signed webhooks (SPEC §13, issue 4). */
const EXEMPT = [/^\/api\/v1\/health\//, /^\/api\/v1\/webhooks\//];
const AUTH = /^\/api\/v1\/auth\//;
const AI = /^\/api\/v1\/ai\//;

function bucketsFor(path: string, config: Config): BucketRequest[] {
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  if (AUTH.test(path)) return [{ name: "auth", limit: config.RATE_LIMIT_AUTH, windowSeconds }];
  const general = { name: "general", limit: config.RATE_LIMIT_GENERAL, windowSeconds };
  return AI.test(path) ? [general, { name: "ai", limit: config.RATE_LIMIT_AI, windowSeconds }] : [general];
}

function subjectFor(c: Context<AppEnv>): GuardSubject | undefined {
  if (AUTH.test(c.req.path)) return { kind: "ip", ip: c.req.header("CF-Connecting-IP") ?? "unknown" };
  const userId = c.get("userId");
  return userId === undefined ? undefined : { kind: "user", userId };
}

/**
 * SPEC §1.7 rate limits through the subject's UserGuard Durable Object – one RPC per request. Every limited
 * response carries `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers, structured-field
 * form: `"general";q=100;w=60` and `"general";r=42;t=17`); a refusal is 429 RATE_LIMITED with `Retry-After`.
 * If the guard cannot be reached the request proceeds (fail open: an outage of the limiter must not become an
 * outage of the API) and the event is logged.
 */
export const rateLimit = createMiddleware<AppEnv>(async (c, next) => {
  if (EXEMPT.some((pattern) => pattern.test(c.req.path))) return next();
  const subject = subjectFor(c);
  if (subject === undefined) return next();
  const services = c.get("services");
  const buckets = bucketsFor(c.req.path, services.config);
  const pending = checkGuard(c.env, subject, buckets, services.clock.now()).catch((error: unknown) => {
    logFailOpen(c, error);
    return undefined;
  });
  // A read has no effect, so it runs while the guard decides and the guard's latency hides behind the
  // handler's; a refused read's answer is replaced by the 429. A write waits for the decision first.
  // (A streaming GET, e.g. SSE, must cancel its discarded body when refused.)
  const safe = c.req.method === "GET" || c.req.method === "HEAD";
  if (safe) await next();
  const decision = await pending;
  if (decision === undefined) return safe ? undefined : next();
  const headers = rateLimitHeaders(decision);
  if (!decision.allowed) {
    const retryAfter = Math.max(...decision.buckets.filter((b) => !b.allowed).map((b) => b.retryAfterSeconds), 1);
    throw new ApiError("RATE_LIMITED", {
      message: `Too many requests; retry in ${retryAfter} s.`,
      headers: { ...headers, "Retry-After": String(retryAfter) },
      details: { retry_after_seconds: retryAfter },
    });
  }
  if (!safe) await next();
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
});

function logFailOpen(c: Context<AppEnv>, error: unknown): void {
  console.log(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level: "warn",
      request_id: c.get("requestId"),
      message: "rate limiter unreachable; request allowed (fail open)",
      outcome: "rate_limit_fail_open",
      error: error instanceof Error ? error.message : String(error),
    }),
  );
  c.set("rateLimitFailOpen", true);
}

export function rateLimitHeaders(decision: GuardDecision): Record<string, string> {
  return {
    "RateLimit-Policy": decision.buckets.map((b) => `"${b.name}";q=${b.limit};w=${b.windowSeconds}`).join(", "),
    RateLimit: decision.buckets.map((b) => `"${b.name}";r=${b.remaining};t=${b.resetSeconds}`).join(", "),
  };
}
