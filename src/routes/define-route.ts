import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import type { ErrorCode } from "../errors/codes";
import { errorResponses } from "../errors/openapi";
import { defaultFlags, registerRouteFlags, type RouteFlags } from "../middleware/route-flags";
import { bodyLimitApplies } from "../middleware/body-limit";
import { assertValidDeprecation, deprecationNote, type Deprecation } from "../lib/deprecation";

export interface RouteExtras {
  /** Error codes this operation itself can answer (beyond the ones its features imply, added below). */
  errors?: readonly ErrorCode[];
  /** Whether the operation reads or writes the database (adds SERVICE_UNAVAILABLE). Default true. */
  database?: boolean;
  /**
   * `public`: no access token. Default `user`: the operation needs `Authorization: Bearer <access token>`
   * (adds the bearerAuth security requirement, UNAUTHORIZED and TOKEN_EXPIRED).
   */
  access?: RouteFlags["access"];
  /** Requires `Idempotency-Key` (default: POST and PATCH of user operations). */
  idempotent?: boolean;
  /** Which rate-limit budget counts the operation (default: `general` for user operations, `none` otherwise). */
  rateLimit?: RouteFlags["rateLimit"];
  /** A body limit other than the default 1 MB (middleware/body-limit.ts). */
  maxBodyBytes?: number;
  /** 400 instead of 413/415 for a body refused as such (middleware/route-flags.ts). */
  bodyRefusalStatus?: 400;
  /**
   * docs/deprecation.md: the operation is deprecated from `since` and may stop answering after `sunset`
   * (both `YYYY-MM-DD`, at least 90 days apart, checked here at definition time); `successor` is what to call
   * instead. Every response gets `Deprecation`, `Sunset` and `Link` (middleware/deprecation.ts), the calls are
   * counted in `http_deprecated_requests_total`, and the OpenAPI operation is `deprecated: true`.
   */
  deprecated?: Deprecation;
  /** Every effect commits through the unit of work, so the read round trip overlaps the rate limiter (middleware/route-flags.ts). */
  unitOfWork?: true;
}

/** A route declaration: OpenAPI's own boolean `deprecated` is replaced by RouteExtras' declaration. */
type Declaration = Omit<RouteConfig, "deprecated">;

/**
 * createRoute plus the operation's flags, which the middleware reads (middleware/route-flags.ts: access
 * token, rate-limit budget, idempotency), plus the error responses the operation can really return, derived
 * from what it declares: any request schema → VALIDATION_ERROR, database access → SERVICE_UNAVAILABLE,
 * always INTERNAL_ERROR, the flags' own errors (RATE_LIMITED, IDEMPOTENCY_*, UNAUTHORIZED/TOKEN_EXPIRED).
 * 413 VALIDATION_ERROR on every operation but GET: the body limit (middleware/body-limit.ts) applies to any
 * request that may carry a body, whether or not the operation takes one (middleware such as idempotency
 * reads it). 415 VALIDATION_ERROR where a JSON body is declared (wrong or missing Content-Type). One
 * declaration, so the OpenAPI document and the runtime cannot disagree.
 */
export function defineRoute<const R extends Declaration>(input: R & RouteExtras) {
  const { errors = [], database = true, access = "user", idempotent, rateLimit, maxBodyBytes, bodyRefusalStatus, deprecated, unitOfWork, ...rest } = input;
  if (deprecated !== undefined) assertValidDeprecation(`${input.method.toUpperCase()} ${input.path}`, deprecated);
  const defaults = defaultFlags(input.method, access);
  const flags: RouteFlags = {
    access,
    idempotent: idempotent ?? defaults.idempotent,
    rateLimit: rateLimit ?? defaults.rateLimit,
    ...(maxBodyBytes !== undefined && { maxBodyBytes }),
    ...(bodyRefusalStatus !== undefined && { bodyRefusalStatus }),
    ...(deprecated !== undefined && { deprecated }),
    ...(unitOfWork !== undefined && { unitOfWork }),
  };
  registerRouteFlags(input.method, input.path, flags);
  const auth = access === "user";
  const route = rest as unknown as Omit<R, "deprecated">;
  const request = route.request;
  const hasBody = request?.body !== undefined;
  const validates = hasBody || request?.params !== undefined || request?.query !== undefined || request?.headers !== undefined;
  const limitsBody = bodyLimitApplies(route.method);
  const alternates = bodyRefusalStatus === undefined ? [...(limitsBody ? [413] : []), ...(hasBody ? [415] : [])] : [];
  const codes = new Set<ErrorCode>([...errors, "INTERNAL_ERROR"]);
  const add = (...more: ErrorCode[]) => more.forEach((code) => codes.add(code));
  if (validates || limitsBody) add("VALIDATION_ERROR");
  if (database) add("SERVICE_UNAVAILABLE");
  if (auth) add("UNAUTHORIZED", "TOKEN_EXPIRED");
  if (flags.rateLimit !== "none") add("RATE_LIMITED");
  if (flags.idempotent) add("IDEMPOTENCY_KEY_REQUIRED", "IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_IN_PROGRESS");
  // Error responses are only ever thrown (never returned by a handler), so the handler-facing type keeps R's.
  // An operation with its own body limit, or a body that is not JSON (raw audio), says so in its 413/415.
  const jsonBody = request?.body?.content["application/json"] !== undefined;
  const descriptions: Partial<Record<number, string>> = bodyRefusalStatus !== undefined ? {} : {
    ...(maxBodyBytes !== undefined && { 413: `VALIDATION_ERROR: the body is larger than ${maxBodyBytes / (1024 * 1024)} MB.` }),
    ...(hasBody && !jsonBody && { 415: "VALIDATION_ERROR: the Content-Type is not one of the operation's media types." }),
  };
  const responses = { ...route.responses, ...errorResponses([...codes], { alternates, descriptions }) } as R["responses"];
  // A deprecated operation says so in the document: OpenAPI's flag, and the dates at the end of its description.
  const deprecation =
    deprecated === undefined
      ? {}
      : { deprecated: true, description: [route.description, deprecationNote(deprecated)].filter((part) => part !== undefined && part !== "").join("\n\n") };
  return createRoute({ ...route, responses, ...deprecation, ...(auth ? { security: [{ bearerAuth: [] }] } : {}) });
}

/** docs/conventions.md#envelopes success envelope. */
export function dataEnvelope<T extends z.ZodType>(schema: T) {
  return z.object({ data: schema });
}
