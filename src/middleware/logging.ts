import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { matchedRoutes } from "hono/route";
import type { AppEnv } from "../app-env";
import { createLogger } from "../lib/logger";

export interface RequestLogLine {
  timestamp: string;
  level: "info" | "warn" | "error";
  request_id: string;
  user_id: string | null;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  db_round_trips: number;
  action: string | null;
  outcome: string;
}

/**
 * One structured JSON line per request (docs/operations.md). `route` is the matched template (`/api/v1/tasks/:id`),
 * never the raw path, so ids do not explode log cardinality. Only the fields below are ever logged: no
 * headers, no bodies, so tokens and secrets cannot leak through this line.
 */
export const requestLog = createMiddleware<AppEnv>(async (c, next) => {
  const started = performance.now();
  await next();
  const status = c.res.status;
  const level = status >= 500 ? "error" : status >= 400 ? "warn" : "info";
  const line: Omit<RequestLogLine, "timestamp" | "level" | "request_id"> = {
    user_id: c.get("userId") ?? null,
    method: c.req.method,
    route: matchedRoute(c),
    status,
    duration_ms: Math.round((performance.now() - started) * 100) / 100,
    db_round_trips: c.get("services")?.trace.roundTrips ?? 0,
    action: c.get("logAction") ?? null,
    outcome: c.get("logOutcome") ?? (status < 400 ? "success" : status >= 500 ? "error" : "rejected"),
  };
  createLogger(c.get("requestId")).line(level, line);
});

/**
 * The template of the operation the request matched – also when a middleware answered before the handler ran
 * (401, 429): the router matched the operation at the start. Only middleware (method ALL) matched → 404/405,
 * logged under one name.
 */
export function matchedRoute(c: Context): string {
  for (const route of matchedRoutes(c)) {
    if (route.method !== "ALL" && !route.path.endsWith("*")) return route.path;
  }
  return "(unmatched)";
}
