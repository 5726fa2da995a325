import type { Bindings } from "../env";
import { loadConfig } from "../env";
import { createDb, newDbTrace } from "../db/client";
import { systemClock, type Clock } from "../lib/clock";
import { createLogger, type LogFields } from "../lib/logger";
import type { ServiceContext } from "./context";

/**
 * A ServiceContext for work that has no HTTP request: cron jobs, queue consumers, Durable Object alarms – the
 * same shape, logger and database tracing as a request's. `label` becomes the request id in logs and on every
 * database round trip (e.g. `cron:purge_expired:2026-03-01T00:00:00.000Z`). A cron job's clock is its
 * scheduled time (docs/operations.md "Scheduled jobs"); a job may give its round trips a longer deadline than a
 * request's DATABASE_TIMEOUT_MS. Throws with the offending variable names when the
 * configuration is invalid, like the fetch path.
 */
export function systemContext(
  env: Bindings,
  execution: { waitUntil(promise: Promise<unknown>): void },
  label: string,
  job: string,
  options: { clock?: Clock; log?: LogFields; databaseTimeoutMs?: number } = {},
): ServiceContext {
  const result = loadConfig(env);
  if (!result.ok) {
    throw new Error(`invalid configuration: ${result.problems.map((p) => `${p.variable} (${p.message})`).join(", ")}`);
  }
  const trace = newDbTrace(label, result.config.NEON_FETCH_ENDPOINT, options.databaseTimeoutMs ?? result.config.DATABASE_TIMEOUT_MS);
  return {
    db: createDb(result.config.DATABASE_URL, trace),
    trace,
    clock: options.clock ?? systemClock,
    config: result.config,
    env,
    requestId: label,
    actor: { type: "system", job },
    log: createLogger(label, options.log),
    waitUntil: (promise) => execution.waitUntil(promise),
  };
}
