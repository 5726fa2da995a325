import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { createDb, newDbTrace } from "../db/client";
import { clockForRequest } from "../lib/clock";
import { createLogger } from "../lib/logger";

/** Builds the request's ServiceContext once (STYLE §3); later middleware (auth) refines the actor. */
export const servicesContext = createMiddleware<AppEnv>(async (c, next) => {
  const config = c.get("config");
  const requestId = c.get("requestId");
  const trace = newDbTrace(requestId, config.NEON_FETCH_ENDPOINT, config.DATABASE_TIMEOUT_MS);
  c.set("services", {
    db: createDb(config.DATABASE_URL, trace),
    trace,
    clock: clockForRequest(config.ENVIRONMENT, c.req.raw.headers),
    config,
    env: c.env,
    requestId,
    actor: { type: "anonymous" },
    log: createLogger(requestId),
    waitUntil: (promise) => c.executionCtx.waitUntil(promise),
  });
  await next();
});
