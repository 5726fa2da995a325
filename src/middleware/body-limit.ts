import { createMiddleware } from "hono/factory";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Whether the body limit applies to a method: every one but GET and HEAD, whose bodies have no meaning and
 * are never read. define-route.ts documents 413 by the same rule, so the document cannot disagree.
 */
export function bodyLimitApplies(method: string): boolean {
  const upper = method.toUpperCase();
  return upper !== "GET" && upper !== "HEAD";
}

const limit = honoBodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError("VALIDATION_ERROR", { status: 413, message: "The request body is larger than 1 MB." });
  },
});

/**
 * Bodies over 1 MB are refused before they are read: 413 with code VALIDATION_ERROR (foundation issue,
 * item 4), on every operation but GET/HEAD – also those that take no body, because middleware (idempotency)
 * reads whatever is sent.
 */
export const bodyLimit = createMiddleware<AppEnv>((c, next) => (bodyLimitApplies(c.req.method) ? limit(c, next) : next()));
