import * as Sentry from "@sentry/cloudflare";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env";
import { IdempotentReplay, REPLAYED_HEADER, type StoredResponse } from "./replay";
import { isTransientDatabaseError } from "../db/errors";
import { createLogger } from "../lib/logger";
import { ApiError } from "./api-error";
import { errorCodes } from "./codes";
import { errorResponse } from "./envelope";

const DB_RETRY_AFTER_SECONDS = "5";

/**
 * The one place errors become responses (STYLE §4). Order matters:
 * 0. an idempotent replay answers with the stored response (write guards never get here: runWrite turns them
 *    into their domain errors, services/guards.ts);
 * 1. our own ApiErrors carry their code;
 * 2. a database the request could not reach (or not within DATABASE_TIMEOUT_MS), and a transient database
 *    error (db/errors.ts: 08xxx, 40001, 40P01, 53xxx, 57P01–57P03, XX000) are SERVICE_UNAVAILABLE with
 *    Retry-After, whatever the driver threw;
 * 3. Hono's HTTPExceptions (malformed JSON 400, body limit 413, wrong Content-Type 415) become VALIDATION_ERROR;
 * 4. anything else is a bug: INTERNAL_ERROR, no internals in the body, reported to Sentry.
 */
export function onError(error: Error, c: Context<AppEnv>): Response {
  if (error instanceof IdempotentReplay) return replay(error.response);
  if (error instanceof ApiError) {
    if (error.status >= 500) report(error, c);
    return errorResponse(c, error.code, error.status, error.message, error.details, error.headers);
  }
  const trace = c.get("services")?.trace;
  if (trace?.unavailable || isTransientDatabaseError(error)) {
    report(error, c);
    const message = trace?.timedOut
      ? "The database did not answer in time; retry shortly."
      : trace?.unavailable
        ? "The database is unreachable; retry shortly."
        : "The database is temporarily unavailable; retry shortly.";
    return errorResponse(c, "SERVICE_UNAVAILABLE", errorCodes.SERVICE_UNAVAILABLE.status, message, undefined, {
      "Retry-After": DB_RETRY_AFTER_SECONDS,
    });
  }
  if (error instanceof HTTPException && error.status < 500) {
    // 413 and 415 are VALIDATION_ERROR's declared alternates (codes.ts); any other client error is a 400.
    if (error.status === 413) return errorResponse(c, "VALIDATION_ERROR", 413, "The request body is larger than 1 MB.");
    if (error.status === 415) {
      return errorResponse(c, "VALIDATION_ERROR", 415, "The request body must be JSON, sent with `Content-Type: application/json`.");
    }
    return errorResponse(c, "VALIDATION_ERROR", 400, error.message || errorCodes.VALIDATION_ERROR.message);
  }
  report(error, c);
  createLogger(c.get("requestId")).error("unhandled error", {
    error_name: error.name,
    error,
    // Frames only: the message lines above them may embed statement parameters.
    stack: error.stack?.split("\n").filter((line) => line.trimStart().startsWith("at ")).join("\n"),
  });
  return errorResponse(c, "INTERNAL_ERROR", 500, errorCodes.INTERNAL_ERROR.message);
}

// docs/conventions.md#idempotency: the first response, byte-for-byte in status and body, marked as a replay.
function replay(stored: StoredResponse): Response {
  const headers = new Headers(stored.headers);
  headers.set(REPLAYED_HEADER, "true");
  return new Response(stored.body, { status: stored.status, headers });
}

function report(error: Error, c: Context<AppEnv>): void {
  Sentry.withScope((scope) => {
    scope.setTag("request_id", c.get("requestId"));
    scope.setTag("route", c.req.routePath);
    const userId = c.get("userId");
    if (userId) scope.setUser({ id: userId });
    Sentry.captureException(error);
  });
}

