import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import type { ErrorCode } from "../errors/codes";
import { errorResponses } from "../errors/openapi";
import { isPublicPath } from "../middleware/auth";
import { bodyLimitApplies } from "../middleware/body-limit";

interface RouteExtras {
  /** Error codes this operation itself can answer (beyond the ones its features imply, added below). */
  errors?: readonly ErrorCode[];
  /** Whether the operation reads or writes the database (adds SERVICE_UNAVAILABLE). Default true. */
  database?: boolean;
  /**
   * Whether the operation needs `Authorization: Bearer <access token>` (adds the bearerAuth security
   * requirement, UNAUTHORIZED and TOKEN_EXPIRED). Default: true unless the path is one of the auth
   * middleware's public prefixes, so the document follows the runtime rule.
   */
  auth?: boolean;
}

/**
 * createRoute plus the error responses the operation can really return, derived from what it declares:
 * any request schema → VALIDATION_ERROR, database access → SERVICE_UNAVAILABLE, always INTERNAL_ERROR.
 * 413 VALIDATION_ERROR on every operation but GET: the body limit (middleware/body-limit.ts) applies to any
 * request that may carry a body, whether or not the operation takes one (middleware such as idempotency
 * reads it). 415 VALIDATION_ERROR where a JSON body is declared (wrong or missing Content-Type). Keeps the
 * OpenAPI document equal to runtime behaviour.
 */
export function defineRoute<const R extends RouteConfig>(input: R & RouteExtras) {
  const { errors = [], database = true, auth = !isPublicPath(input.path), ...rest } = input;
  const route = rest as unknown as R;
  const request = route.request;
  const hasBody = request?.body !== undefined;
  const validates = hasBody || request?.params !== undefined || request?.query !== undefined || request?.headers !== undefined;
  const limitsBody = bodyLimitApplies(route.method);
  const alternates = [...(limitsBody ? [413] : []), ...(hasBody ? [415] : [])];
  const codes: ErrorCode[] = [...errors, "INTERNAL_ERROR"];
  if (validates || limitsBody) codes.push("VALIDATION_ERROR");
  if (database) codes.push("SERVICE_UNAVAILABLE");
  if (auth) codes.push("UNAUTHORIZED", "TOKEN_EXPIRED");
  // Error responses are only ever thrown (never returned by a handler), so the handler-facing type keeps R's.
  const responses = { ...route.responses, ...errorResponses(codes, { alternates }) } as R["responses"];
  return createRoute({ ...route, responses, ...(auth ? { security: [{ bearerAuth: [] }] } : {}) });
}

/** SPEC §1.2 success envelope. */
export function dataEnvelope<T extends z.ZodType>(schema: T) {
  return z.object({ data: schema });
}
