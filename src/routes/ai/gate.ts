/**
 * docs/ai.md "Audit, limits and failures": what every `/ai/*` operation shares, in one place.
 *
 * - `mountAiGate(api)` – mounted ONCE in routes/index.ts, before any AI router: with no `OPENAI_API_KEY`
 *   every `/ai/*` request (also the reads of stored suggestions and conversations) answers
 *   `503 AI_SERVICE_UNAVAILABLE` "AI is not configured on this server." – after authentication, rate limit
 *   and Idempotency-Key checks (app-level middleware), before the operation's own validation.
 * - `defineAiRoute(…)` – defineRoute for AI operations: the `ai` rate-limit budget (which counts against
 *   the general one too), an Idempotency-Key on every POST/PATCH, and the 503 in the documented errors.
 */
import { createMiddleware } from "hono/factory";
import type { RouteConfig } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { ApiError } from "../../errors/api-error";
import { defineRoute, type RouteExtras } from "../define-route";
import type { AppRouter } from "../router";

export const AI_NOT_CONFIGURED_MESSAGE = "AI is not configured on this server.";

/** The 503 of an AI operation on a deployment without an OpenAI key. */
export const aiConfigured = createMiddleware<AppEnv>(async (c, next) => {
  if (c.get("config").OPENAI_API_KEY === undefined) throw new ApiError("AI_SERVICE_UNAVAILABLE", { message: AI_NOT_CONFIGURED_MESSAGE });
  await next();
});

/** Mount once, before the AI routers (Hono runs middleware in registration order). */
export function mountAiGate(api: AppRouter): void {
  api.use("/ai/*", aiConfigured);
}

/** An AI operation: budget `ai`, Idempotency-Key on POST/PATCH, `503 AI_SERVICE_UNAVAILABLE` documented. */
export function defineAiRoute<const R extends RouteConfig>(input: R & RouteExtras) {
  const method = input.method.toUpperCase();
  return defineRoute<R>({
    ...input,
    rateLimit: "ai",
    idempotent: method === "POST" || method === "PATCH",
    errors: [...(input.errors ?? []), "AI_SERVICE_UNAVAILABLE"],
  });
}
