import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { checkGuard, type BucketRequest, type GuardDecision, type GuardSubject } from "../../durable-objects/user-guard/client";
import type { AppEnv } from "../app-env";
import type { Config } from "../env";
import { ApiError } from "../errors/api-error";
import { routeFlags, type RateLimitClass } from "./route-flags";

function bucketsFor(limit: Exclude<RateLimitClass, "none">, config: Config): BucketRequest[] {
  const windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
  if (limit === "auth") return [{ name: "auth", limit: config.RATE_LIMIT_AUTH, windowSeconds }];
  const general = { name: "general", limit: config.RATE_LIMIT_GENERAL, windowSeconds };
  return limit === "ai" ? [general, { name: "ai", limit: config.RATE_LIMIT_AI, windowSeconds }] : [general];
}

function subjectFor(c: Context<AppEnv>, limit: RateLimitClass): GuardSubject | undefined {
  if (limit === "auth") return { kind: "ip", ip: c.req.header("CF-Connecting-IP") ?? "unknown" };
  const userId = c.get("userId");
  return userId === undefined ? undefined : { kind: "user", userId };
}

/**
 * Rate limits (docs/conventions.md "Rate limits") through the subject's UserGuard Durable Object – one RPC per
 * request; the operation's flags (routes/define-route.ts) say which budget counts it (the user's general
 * budget, general + AI, the client IP's auth budget for sign-in, or none for health and webhooks). Every limited
 * response carries `RateLimit-Policy` and `RateLimit` (draft-ietf-httpapi-ratelimit-headers, structured-field
 * form: `"general";q=100;w=60` and `"general";r=42;t=17`); a refusal is 429 RATE_LIMITED with `Retry-After`.
 * If the guard cannot be reached the request proceeds (fail open: an outage of the limiter must not become an
 * outage of the API) and the event is logged.
 */
export const rateLimit = (apiPrefix: string) => createMiddleware<AppEnv>(async (c, next) => {
  const flags = routeFlags(c, apiPrefix);
  const limit = flags?.rateLimit ?? "none";
  if (limit === "none") return next();
  const subject = subjectFor(c, limit);
  if (subject === undefined) return next();
  const services = c.get("services");
  const buckets = bucketsFor(limit, services.config);
  const now = services.clock.now();
  // A read has no effect, so it runs while the guard decides and the guard's latency hides behind the
  // handler's; a refused read's answer is replaced by the 429. (A streaming GET, e.g. SSE, must cancel its
  // discarded body when refused.) A write whose effects all commit through the unit of work runs its read
  // round trip meanwhile too, and its commit waits for `admission`: refused, the commit never runs and the
  // answer is the 429. Any other write waits for the decision before its handler starts.
  const safe = c.req.method === "GET" || c.req.method === "HEAD";
  const overlaps = safe || flags?.unitOfWork === true;
  // Overlapping, the RPC is sent on the next timer turn, i.e. once the handler has sent its first round trip
  // (everything up to that send is microtasks): the decision still arrives while that round trip is out, and the
  // guard's own work – in this isolate under wrangler dev – no longer runs before the query leaves (~2 ms of a
  // read there: load/README.md "floor"). Not overlapping, the handler waits for the decision anyway.
  const sent = overlaps ? new Promise((resolve) => setTimeout(resolve, 0)) : Promise.resolve();
  const pending = sent
    .then(() => checkGuard(c.env, subject, buckets, now))
    .catch((error: unknown) => {
      logFailOpen(c, error);
      return undefined;
    });
  if (!safe && overlaps) {
    const admission = pending.then((decision) => {
      if (decision !== undefined) admittedHeaders(decision);
    });
    admission.catch(() => undefined); // the handler may fail before its commit asks
    services.admission = admission;
  }
  if (overlaps) await next();
  const decision = await pending;
  if (decision === undefined) return overlaps ? undefined : next();
  const headers = admittedHeaders(decision);
  if (!overlaps) await next();
  for (const [name, value] of Object.entries(headers)) c.res.headers.set(name, value);
});

/** The RateLimit headers of an admitted request; a refused one throws 429 RATE_LIMITED with Retry-After. */
function admittedHeaders(decision: GuardDecision): Record<string, string> {
  const headers = rateLimitHeaders(decision);
  if (!decision.allowed) {
    const retryAfter = Math.max(...decision.buckets.filter((b) => !b.allowed).map((b) => b.retryAfterSeconds), 1);
    throw new ApiError("RATE_LIMITED", {
      message: `Too many requests; retry in ${retryAfter} s.`,
      headers: { ...headers, "Retry-After": String(retryAfter) },
      details: { retry_after_seconds: retryAfter },
    });
  }
  return headers;
}

/**
 * The same admission for an operation that authenticates itself, so the middleware cannot know its user
 * (`GET /events/stream` with a ticket): counts the request in the user's general budget before its effect
 * and returns the RateLimit headers to send, or throws the 429. Fails open like the middleware.
 */
export async function admitUserRequest(c: Context<AppEnv>, userId: string): Promise<Record<string, string>> {
  const services = c.get("services");
  const decision = await checkGuard(c.env, { kind: "user", userId }, bucketsFor("general", services.config), services.clock.now()).catch((error: unknown) => {
    logFailOpen(c, error);
    return undefined;
  });
  return decision === undefined ? {} : admittedHeaders(decision);
}

function logFailOpen(c: Context<AppEnv>, error: unknown): void {
  c.get("services").log.warn("rate limiter unreachable; request allowed (fail open)", { outcome: "rate_limit_fail_open", error });
  c.set("rateLimitFailOpen", true);
}

export function rateLimitHeaders(decision: GuardDecision): Record<string, string> {
  return {
    "RateLimit-Policy": decision.buckets.map((b) => `"${b.name}";q=${b.limit};w=${b.windowSeconds}`).join(", "),
    RateLimit: decision.buckets.map((b) => `"${b.name}";r=${b.remaining};t=${b.resetSeconds}`).join(", "),
  };
}
