import { createMiddleware } from "hono/factory";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { routeFlags } from "./route-flags";

export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Whether the body limit applies to a method: every one but GET and HEAD, whose bodies have no meaning and
 * are never read. define-route.ts documents 413 by the same rule, so the document cannot disagree.
 */
export function bodyLimitApplies(method: string): boolean {
  const upper = method.toUpperCase();
  return upper !== "GET" && upper !== "HEAD";
}

function limitOf(maxSize: number) {
  const megabytes = maxSize / (1024 * 1024);
  return honoBodyLimit({
    maxSize,
    onError: () => {
      throw new ApiError("VALIDATION_ERROR", { status: 413, message: `The request body is larger than ${megabytes} MB.` });
    },
  });
}

const limits = new Map<number, ReturnType<typeof limitOf>>();

/**
 * Bodies over 1 MB are refused before they are read: 413 with code VALIDATION_ERROR (foundation issue,
 * item 4), on every operation but GET/HEAD – also those that take no body, because middleware (idempotency)
 * reads whatever is sent. An operation may declare a larger limit with its flags (`maxBodyBytes`, e.g. the
 * 10 MB audio of `POST /notes/{id}/transcribe`); the body is still never buffered past that limit (a
 * Content-Length over it is refused unread, a streamed body is cut off as soon as it passes it).
 */
export const bodyLimit = (apiPrefix: string) =>
  createMiddleware<AppEnv>((c, next) => {
    if (!bodyLimitApplies(c.req.method)) return next();
    const maxSize = routeFlags(c, apiPrefix)?.maxBodyBytes ?? MAX_BODY_BYTES;
    let limit = limits.get(maxSize);
    if (limit === undefined) {
      limit = limitOf(maxSize);
      limits.set(maxSize, limit);
    }
    return limit(c, next);
  });
