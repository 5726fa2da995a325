import type { RouteConfig } from "@hono/zod-openapi";
import { defineRoute, type RouteExtras } from "../define-route";

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
