import type { Config, Bindings } from "../env";
import type { Database, DbTrace } from "../db/client";
import type { Clock } from "../lib/clock";
import type { IdempotencyScope } from "./idempotency/types";

/** Who is acting: it goes into the activity log (SPEC §4) and decides what a service may touch. */
export type Actor =
  | { type: "anonymous" }
  | { type: "user"; userId: string; sessionId: string; tier: "free" | "pro" }
  | { type: "ai"; userId: string; sessionId: string; tier: "free" | "pro" }
  | { type: "system"; job: string }
  | { type: "webhook"; provider: string };

/**
 * Everything a service needs, built once per request (or per queue message / cron run) – STYLE §3.
 * Services are plain functions `fn({ ctx, input })`; they never see Hono.
 */
export interface ServiceContext {
  db: Database;
  trace: DbTrace;
  clock: Clock;
  config: Config;
  env: Bindings;
  requestId: string;
  actor: Actor;
  waitUntil(promise: Promise<unknown>): void;
  /** SPEC §1.6 scope of this request's Idempotency-Key (POST/PATCH); see services/writes.ts. */
  idempotency?: IdempotencyScope;
}
