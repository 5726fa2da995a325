import { z } from "@hono/zod-openapi";
import type { ErrorCode } from "../errors/codes";
import { IF_MATCH_PATTERN } from "../lib/patch";

/**
 * Request and response schemas every resource's routes share (path ids, write headers, storable text and
 * instants, versions, list envelopes). Resource-specific schemas live in `routes/<resource>/schemas.ts`.
 */

/** Errors every authenticated operation can answer besides its own (rate limits, docs/conventions.md#rate-limits). */
export const AUTHED_ERRORS = ["RATE_LIMITED"] as const satisfies readonly ErrorCode[];
/** …and every POST/PATCH (docs/conventions.md#idempotency idempotency). */
export const WRITE_ERRORS = ["RATE_LIMITED", "IDEMPOTENCY_KEY_REQUIRED", "IDEMPOTENCY_KEY_REUSED", "IDEMPOTENCY_IN_PROGRESS"] as const satisfies readonly ErrorCode[];

const uuidPath = (name: string, description: string) =>
  z.uuid().openapi({ param: { name, in: "path" }, description, example: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b" });
/** `{id}` path parameter (a UUID; anything else is 400, never a database error). */
export const uuidParam = (description: string) => z.object({ id: uuidPath("id", description) });
export const tombstoneParam = z.object({ tombstone_id: uuidPath("tombstone_id", "From `GET /recovery` or the delete response.") });

/**
 * docs/conventions.md#idempotency: required on every POST/PATCH outside /auth – and documented so (`required: true`, its format).
 * The zod schema stays lenient on purpose: the idempotency middleware answers a missing key with
 * `400 IDEMPOTENCY_KEY_REQUIRED` (a malformed one with VALIDATION_ERROR), which route validation would
 * otherwise pre-empt with a plain VALIDATION_ERROR.
 */
export const idempotencyKeyHeader = (example: string) =>
  z
    .string()
    .optional()
    .openapi({
      param: { required: true },
      minLength: 1,
      maxLength: 255,
      pattern: "^[\\x20-\\x7E]+$",
      description: "Required (docs/conventions.md#idempotency): 1–255 printable ASCII characters; a retry with the same key replays the first answer.",
      example,
    });
export const idempotencyHeaders = z.object({ "idempotency-key": idempotencyKeyHeader("5b7c1c2e-create-task") });
export const ifMatchHeader = z.object({
  "if-match": z
    .string()
    .optional()
    .openapi({ pattern: IF_MATCH_PATTERN, description: 'The version you read, e.g. `"3"` (alternative to the body field `version`).', example: '"3"' }),
});
export const writeHeaders = idempotencyHeaders.extend(ifMatchHeader.shape);

/**
 * Free text PostgreSQL can store: no NUL character (text columns refuse it – a 500 otherwise) and no lone
 * UTF-16 surrogate (not encodable as UTF-8).
 */
export const storableText = (schema: z.ZodString) =>
  schema
    .refine((value) => !value.includes("\u0000"), "No NUL characters.")
    .refine((value) => value.isWellFormed(), "Not well-formed Unicode.");

/**
 * An RFC 3339 instant PostgreSQL can store: years 0001–9999 once in UTC (Postgres has no year 0, JS has;
 * `toISOString()` of year 10000 is `+010000-…`). Values reach SQL as their UTC `toISOString()` form, never
 * raw: Postgres refuses offsets beyond ±15:59 that RFC 3339 allows.
 */
const FIRST_INSTANT = Date.parse("0001-01-01T00:00:00Z");
const LAST_INSTANT = Date.parse("9999-12-31T23:59:59.999Z");
export const instantInput = () =>
  z.iso.datetime({ offset: true }).refine((value) => {
    const time = Date.parse(value);
    return time >= FIRST_INSTANT && time <= LAST_INSTANT;
  }, "Between the years 0001 and 9999 (UTC).");

export const versionSchema = z.number().int().min(1).max(2_147_483_647).openapi({ description: "The version you read (docs/conventions.md#optimistic-locking); or send If-Match.", example: 3 });
export const listEnvelope = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), next_cursor: z.string().nullable().openapi({ description: "Opaque; pass as `cursor` for the next page, null on the last." }) });
