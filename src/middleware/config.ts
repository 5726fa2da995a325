import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { loadConfig } from "../env";
import { ApiError } from "../errors/api-error";
import { createLogger } from "../lib/logger";

/**
 * Validates the environment (docs/configuration.md) before anything reads it. A bad deployment answers every request
 * with one clear 500 INTERNAL_ERROR and logs which variables are wrong – the client never sees the names.
 */
export const configuration = createMiddleware<AppEnv>(async (c, next) => {
  const result = loadConfig(c.env);
  if (!result.ok) {
    createLogger(c.get("requestId")).error("invalid configuration", { invalid_variables: result.problems });
    throw new ApiError("INTERNAL_ERROR", { message: "The service is misconfigured." });
  }
  c.set("config", result.config);
  await next();
});
