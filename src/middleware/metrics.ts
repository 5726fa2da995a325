import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { metrics } from "../services/metrics/recorder";
import { matchedRoute } from "./logging";

/**
 * docs/operations.md#metrics for every response: `http_requests_total` and `http_request_duration_seconds` by
 * method, route template (never the raw path) and status, `http_errors_total` by code; then a flush of this
 * isolate's deltas is scheduled in `waitUntil` (at most one per FLUSH_DELAY_MS). Recording is a map update;
 * the response never waits for the metrics.
 */
export const requestMetrics = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  const labels = { method: c.req.method, route: matchedRoute(c), status: String(c.res.status) };
  metrics.count("http_requests_total", labels);
  metrics.observe("http_request_duration_seconds", labels, (performance.now() - started) / 1000);
  const code = c.get("errorCode");
  if (code !== undefined) metrics.count("http_errors_total", { code });
  scheduleFlush(c);
});

function scheduleFlush(c: Context<AppEnv>): void {
  let waitUntil: ((promise: Promise<unknown>) => void) | undefined;
  try {
    const executionCtx = c.executionCtx;
    waitUntil = (promise) => executionCtx.waitUntil(promise);
  } catch {
    // No ExecutionContext (app.request in a unit test): deltas stay pending for the next flush or scrape.
    return;
  }
  metrics.scheduleFlush(c.env, waitUntil);
}
