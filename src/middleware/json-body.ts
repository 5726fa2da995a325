import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ValidationFailed } from "../errors/api-error";
import { bodyLimitApplies } from "./body-limit";

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * A JSON body must be valid UTF-8 (RFC 8259 §8.1). The platform's decoder replaces bad bytes with U+FFFD,
 * which would be stored as if the client had sent it; so the raw bytes are decoded once with a fatal
 * decoder and a bad sequence answers 400 VALIDATION_ERROR (hardening item 8). Hono caches the bytes, so
 * the JSON validator and the idempotency fingerprint read the same body again without a second read.
 * Runs after the body limit: at most 1 MB is ever buffered.
 */
export const jsonBodyEncoding = createMiddleware<AppEnv>(async (c, next) => {
  const contentType = c.req.header("Content-Type");
  if (bodyLimitApplies(c.req.method) && contentType !== undefined && JSON_MEDIA_TYPE.test(contentType) && c.req.raw.body !== null) {
    const bytes = await c.req.arrayBuffer();
    try {
      new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
    } catch {
      throw new ValidationFailed([{ field: "body", reason: "Not valid UTF-8." }], "The request body is not valid UTF-8.");
    }
  }
  await next();
});
