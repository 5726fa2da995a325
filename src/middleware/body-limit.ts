import { createMiddleware } from "hono/factory";
import { bodyLimit as honoBodyLimit } from "hono/body-limit";
import type { AppEnv } from "../app-env";
import { ApiError, ValidationFailed } from "../errors/api-error";
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

function limitOf(maxSize: number, status: 400 | 413) {
  const megabytes = maxSize / (1024 * 1024);
  return honoBodyLimit({
    maxSize,
    onError: () => {
      const message = `The request body is larger than ${megabytes} MB.`;
      if (status === 400) throw new ValidationFailed([{ field: "body", reason: `At most ${megabytes} MB.` }], message);
      throw new ApiError("VALIDATION_ERROR", { status, message });
    },
  });
}

const limits = new Map<string, ReturnType<typeof limitOf>>();

/**
 * Bodies over 1 MB are refused before they are read: 413 with code VALIDATION_ERROR (foundation issue,
 * item 4), on every operation but GET/HEAD – also those that take no body, because middleware (idempotency)
 * reads whatever is sent. An operation may declare a larger limit with its flags (`maxBodyBytes`, e.g. the
 * 10 MB audio of `POST /notes/{id}/transcribe`, which also answers 400 instead of 413 – `bodyRefusalStatus`);
 * the body is still never buffered past that limit (a Content-Length over it is refused unread, a streamed
 * body is cut off as soon as it passes it).
 */
export const bodyLimit = (apiPrefix: string) =>
  createMiddleware<AppEnv>((c, next) => {
    if (!bodyLimitApplies(c.req.method)) return next();
    const flags = routeFlags(c, apiPrefix);
    const maxSize = flags?.maxBodyBytes ?? MAX_BODY_BYTES;
    const status = flags?.bodyRefusalStatus ?? 413;
    let limit = limits.get(`${maxSize} ${status}`);
    if (limit === undefined) {
      limit = limitOf(maxSize, status);
      limits.set(`${maxSize} ${status}`, limit);
    }
    return limit(c, next);
  });
