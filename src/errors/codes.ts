/**
 * docs/errors.md as one table: every error code, its one HTTP status and a default human sentence.
 * The runtime mapping (on-error.ts) and the OpenAPI error responses (openapi.ts) are both generated from
 * this object, so the documentation cannot drift from what the API answers.
 */
export const errorCodes = {
  // The only alternate statuses in the table: 413 for a body over the size limit (foundation issue, item 4) on
  // every operation the limit applies to (all but GET), 415 for a JSON-body operation called with another
  // (or no) Content-Type. Both keep this code, so clients branch on `code` as everywhere else.
  VALIDATION_ERROR: { status: 400, message: "The request is invalid.", alternateStatuses: [413, 415] },
  IDEMPOTENCY_KEY_REQUIRED: { status: 400, message: "This request needs an Idempotency-Key header." },
  INVALID_SIGNATURE: { status: 400, message: "The webhook signature is missing or wrong." },
  UNAUTHORIZED: { status: 401, message: "Authentication is required." },
  TOKEN_EXPIRED: { status: 401, message: "The access token has expired." },
  OAUTH_VERIFICATION_FAILED: { status: 401, message: "The Google ID token could not be verified." },
  REFRESH_TOKEN_REUSED: {
    status: 401,
    message: "This refresh token was already used; the session has been revoked.",
  },
  INSUFFICIENT_CREDITS: { status: 402, message: "Not enough AI credits." },
  TIER_REQUIRED: { status: 403, message: "This feature needs a Pro subscription." },
  NOT_FOUND: { status: 404, message: "The resource was not found." },
  // Not in docs/errors.md, which has no code for a wrong method; added so a 405 still has the docs/conventions.md#envelopes envelope.
  METHOD_NOT_ALLOWED: { status: 405, message: "This method is not allowed on this resource." },
  VERSION_CONFLICT: { status: 409, message: "The resource was changed by someone else." },
  IDEMPOTENCY_IN_PROGRESS: {
    status: 409,
    message: "A request with this Idempotency-Key is still being processed.",
  },
  LIMIT_EXCEEDED: { status: 409, message: "A limit of your plan has been reached." },
  TASK_ARCHIVED: { status: 409, message: "The task is archived and cannot be changed." },
  SUGGESTION_NOT_PENDING: { status: 409, message: "This suggestion was already confirmed, rejected or has expired." },
  FOCUS_SESSION_RUNNING: { status: 409, message: "A focus session is already running." },
  ALREADY_SUBSCRIBED: { status: 409, message: "You already have a Pro subscription." },
  TOMBSTONE_EXPIRED: { status: 410, message: "The recovery window has passed." },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    message: "This Idempotency-Key was already used for a different request.",
  },
  RATE_LIMITED: { status: 429, message: "Too many requests." },
  AI_TASK_LIMIT_REACHED: {
    status: 429,
    message: "The AI request limit for this task in this session has been reached.",
  },
  INTERNAL_ERROR: { status: 500, message: "Something went wrong on our side." },
  TRANSCRIPTION_FAILED: { status: 502, message: "The transcription service failed." },
  AI_SERVICE_UNAVAILABLE: { status: 503, message: "The AI service is unavailable." },
  SERVICE_UNAVAILABLE: { status: 503, message: "The service is temporarily unavailable." },
} as const satisfies Record<string, { status: number; message: string; alternateStatuses?: readonly number[] }>;

export type ErrorCode = keyof typeof errorCodes;
export type ErrorStatus = (typeof errorCodes)[ErrorCode]["status"];

export const errorCodeList = Object.keys(errorCodes) as ErrorCode[];
