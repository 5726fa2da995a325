import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ApiError } from "../errors/api-error";
import { routeFlags } from "./route-flags";
import type { ErrorCode } from "../errors/codes";
import { storeOutcome } from "../services/idempotency/records";
import { hashRequest, REPLAYED_HEADER, type IdempotencyScope, type StoredResponse } from "../services/idempotency/types";

export { REPLAYED_HEADER };

export const IDEMPOTENCY_HEADER = "Idempotency-Key";

const KEY_FORMAT = /^[\x20-\x7e]{1,255}$/;

/**
 * Outcomes that are the request's answer, not an accident of the moment, and are therefore replayed like a
 * success. Validation failures, auth failures, rate limits and 5xx are never stored, so a retry re-runs.
 */
const STORED_ERRORS = new Set<ErrorCode>([
  "NOT_FOUND",
  "VERSION_CONFLICT",
  "LIMIT_EXCEEDED",
  "TASK_ARCHIVED",
  "FOCUS_SESSION_RUNNING",
  "TOMBSTONE_EXPIRED",
  "INSUFFICIENT_CREDITS",
  "TIER_REQUIRED",
]);

/**
 * Idempotency (docs/conventions.md "Idempotency") for every operation whose flags say `idempotent` (by
 * default the POST and PATCH operations of signed-in users; routes/define-route.ts): requires the key,
 * fingerprints the request (method, path, raw body bytes) and hands the scope to the service through the
 * ServiceContext. The bookkeeping itself rides in the write's own round trips (services/unit-of-work.ts),
 * which is what makes the record and the effect commit together. Replays are answered by onError from the
 * stored bytes, with `Idempotent-Replayed: true`.
 */
export const idempotency = (apiPrefix: string) => createMiddleware<AppEnv>(async (c, next) => {
  const method = c.req.method;
  if (!routeFlags(c, apiPrefix)?.idempotent) return next();
  const userId = c.get("userId");
  if (userId === undefined) return next();
  const key = c.req.header(IDEMPOTENCY_HEADER);
  if (key === undefined || key.length === 0) throw new ApiError("IDEMPOTENCY_KEY_REQUIRED");
  if (!KEY_FORMAT.test(key)) {
    throw new ApiError("VALIDATION_ERROR", {
      details: [{ field: IDEMPOTENCY_HEADER, reason: "Must be 1–255 printable ASCII characters." }],
    });
  }
  const services = c.get("services");
  const body = await c.req.arrayBuffer();
  const scope: IdempotencyScope = {
    userId,
    key,
    method,
    path: c.req.path,
    requestHash: await hashRequest(method, c.req.path, body),
    checked: false,
    stored: false,
  };
  services.idempotency = scope;
  await next();

  if (scope.stored || scope.streaming === true || c.res.headers.get(REPLAYED_HEADER) === "true") return;
  const code = c.get("errorCode");
  const storable = c.res.status < 400 || (code !== undefined && STORED_ERRORS.has(code));
  if (!storable) return;
  if (c.res.status < 400) {
    // Every write route commits its response with its effect (runWrite); reaching here is a bug.
    services.log.warn("response stored after the fact", { route: c.req.routePath });
  }
  const response: StoredResponse = {
    status: c.res.status,
    body: await c.res.clone().text(),
    headers: { "content-type": c.res.headers.get("content-type") ?? "application/json" },
  };
  await services.admission;
  await storeOutcome(services, scope, response);
});
