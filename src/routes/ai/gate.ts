/**
 * docs/ai.md "Audit, limits and failures": what every `/ai/*` operation shares, in one place.
 *
 * - `mountAiGate(api)` – mounted ONCE in routes/index.ts, before any AI router: with no `OPENAI_API_KEY`
 *   every `/ai/*` request (also the reads of stored suggestions and conversations) answers
 *   `503 AI_SERVICE_UNAVAILABLE` "AI is not configured on this server." – after authentication, rate limit
 *   and Idempotency-Key checks (app-level middleware), before the operation's own validation.
 * - `defineAiRoute(…)` (define-ai-route.ts, loaded with the AI resources, not at start-up) – defineRoute for
 *   AI operations: the `ai` rate-limit budget (which counts against the general one too), an Idempotency-Key
 *   on every POST/PATCH, and the 503 in the documented errors.
 */
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../../app-env";
import { ApiError } from "../../errors/api-error";
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
