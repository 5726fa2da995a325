import { z } from "@hono/zod-openapi";
import { errorCodes, type ErrorCode } from "./codes";

/**
 * The `{error}` body schema for a list of codes, written as the JSON Schema it stands for rather than built
 * with zod: it documents a response (nothing validates with it at runtime), every operation has several, and
 * building zod schemas is most of the Worker's start-up. One per distinct list (most operations share theirs:
 * 401 UNAUTHORIZED + TOKEN_EXPIRED, 500, 503 …).
 */
const errorBodies = new Map<string, ErrorBodySchema>();
function errorBody(codes: readonly [ErrorCode, ...ErrorCode[]]): ErrorBodySchema {
  const key = codes.join(" ");
  let schema = errorBodies.get(key);
  if (schema === undefined) errorBodies.set(key, (schema = buildErrorBody(codes)));
  return schema;
}

type ErrorBodySchema = ReturnType<typeof buildErrorBody>;

const buildErrorBody = (codes: readonly [ErrorCode, ...ErrorCode[]]) => ({
  type: "object" as const,
  properties: {
    error: {
      type: "object" as const,
      properties: {
        code: { type: "string" as const, enum: [...codes], description: "Machine-readable error code (docs/errors.md)." },
        message: { type: "string" as const, description: "Human sentence, safe to show." },
        request_id: { type: "string" as const, description: "Echo of X-Request-ID; quote it in support requests." },
        details: { description: "Code-specific details (fields, limits, current resource)." },
      },
      required: ["code", "message", "request_id"],
    },
  },
  required: ["error"],
  example: { error: { code: codes[0], message: errorCodes[codes[0]].message, request_id: "01J9Z3K4QW8X6N2B7C5D" } },
});

const ALTERNATE_DESCRIPTIONS: Record<number, string> = {
  413: "VALIDATION_ERROR: the body is larger than 1 MB.",
  415: "VALIDATION_ERROR: the body is not `application/json` (wrong or missing Content-Type).",
};

/** docs/conventions.md "Rate limits": a rate-limit refusal always says when to retry (src/middleware/rate-limit.ts). */
const rateLimitedHeaders = z.object({
  "Retry-After": z.string().openapi({ pattern: "^[0-9]+$", description: "Seconds until the oldest counted request leaves the window." }),
  RateLimit: z.string().optional().openapi({ description: 'IETF draft structured field, e.g. `"general";r=0;t=17`.' }),
  "RateLimit-Policy": z.string().optional().openapi({ description: 'IETF draft structured field, e.g. `"general";q=100;w=60`.' }),
});

const sharedLimitHeaders = rateLimitedHeaders.partial().extend({
  "Retry-After": z.string().optional().openapi({ pattern: "^[0-9]+$", description: "With RATE_LIMITED: seconds until the oldest counted request leaves the window (AI_TASK_LIMIT_REACHED has none)." }),
});

/**
 * OpenAPI responses for exactly the given error codes, grouped by HTTP status – generated from the same
 * table the runtime uses (codes.ts), so the document lists what the operation can really answer.
 */
export function errorResponses(codes: readonly ErrorCode[], options: { alternates?: readonly number[]; descriptions?: Partial<Record<number, string>> } = {}) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(codes)) {
    const entry: { status: number; alternateStatuses?: readonly number[] } = errorCodes[code];
    // Alternates exist only where they can happen (define-route.ts: 413 where the body limit applies, 415 for JSON bodies).
    const alternates = (entry.alternateStatuses ?? []).filter((status) => options.alternates?.includes(status));
    for (const status of [entry.status, ...alternates]) {
      byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
    }
  }
  const responses: Record<
    number,
    { description: string; headers?: typeof rateLimitedHeaders | typeof sharedLimitHeaders; content: { "application/json": { schema: ErrorBodySchema } } }
  > = {};
  for (const [status, list] of [...byStatus.entries()].sort(([a], [b]) => a - b)) {
    const [first, ...rest] = list;
    if (first === undefined) continue;
    const description =
      options.descriptions?.[status] ?? ALTERNATE_DESCRIPTIONS[status] ?? list.map((code) => `${code}: ${errorCodes[code].message}`).join(" ");
    responses[status] = {
      description,
      // AI_TASK_LIMIT_REACHED shares 429 but has no window to wait for (it lasts the login session): Retry-After
      // is then only promised for RATE_LIMITED.
      ...(status === 429 ? { headers: list.every((code) => code === "RATE_LIMITED") ? rateLimitedHeaders : sharedLimitHeaders } : {}),
      content: { "application/json": { schema: errorBody([first, ...rest]) } },
    };
  }
  return responses;
}
