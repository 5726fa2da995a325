import type { Config, Bindings } from "../env";
import { createDb, newDbTrace, type Database, type DbTrace } from "../db/client";
import type { Clock } from "../lib/clock";
import type { Logger } from "../lib/logger";
import type { IdempotencyScope } from "./idempotency/types";
import type { WriteUnit } from "./unit-of-work";

/** Who is acting: it goes into the activity log (docs/recovery-and-activity.md) and decides what a service may touch. */
export type Actor =
  | { type: "anonymous" }
  | { type: "user"; userId: string; sessionId: string; tier: "free" | "pro" }
  | { type: "ai"; userId: string; sessionId: string; tier: "free" | "pro" }
  | { type: "system"; job: string }
  | { type: "webhook"; provider: string };

/**
 * Everything a service needs, built once per request, queue message or cron run (STYLE §3) – the same shape
 * for all three. Services are plain functions `fn({ ctx, input })`; they never see Hono.
 */
export interface ServiceContext {
  db: Database;
  trace: DbTrace;
  clock: Clock;
  config: Config;
  env: Bindings;
  requestId: string;
  actor: Actor;
  log: Logger;
  waitUntil(promise: Promise<unknown>): void;
  /** The request's Idempotency-Key scope (POST/PATCH); see services/unit-of-work.ts. */
  idempotency?: IdempotencyScope;
  /** The open write of this request: a service called inside another's write joins it (unit-of-work.ts). */
  unit?: WriteUnit;
  /**
   * Resolves once the rate limiter admitted the request, rejects with its 429 when it refused: set by
   * middleware/rate-limit.ts for a write whose effects all commit through the unit of work (route flag
   * `unitOfWork`), whose reads then run while the limiter decides. Every effect waits for it first.
   */
  admission?: Promise<void>;
}

/**
 * A context for work that belongs to a request but runs after its response (after-commit work): the same
 * actor, clock and config, but its own database trace and request-id suffix, so its round trips are not
 * counted against the request's budget and its log lines say where they come from.
 */
export function childContext(ctx: ServiceContext, suffix: string): ServiceContext {
  const requestId = `${ctx.requestId}:${suffix}`;
  const trace = newDbTrace(requestId, ctx.config.NEON_FETCH_ENDPOINT);
  const { idempotency: _scope, unit: _unit, admission: _admission, ...rest } = ctx;
  return { ...rest, requestId, trace, db: createDb(ctx.config.DATABASE_URL, trace), log: ctx.log.with({ phase: suffix }) };
}
