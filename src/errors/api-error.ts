import { errorCodes, type ErrorCode } from "./codes";

export interface ApiErrorOptions {
  message?: string;
  details?: unknown;
  /** Extra response headers, e.g. `Retry-After` for RATE_LIMITED / SERVICE_UNAVAILABLE. */
  headers?: Record<string, string>;
  /** Only an alternate status the code declares in codes.ts (413 or 415 for VALIDATION_ERROR). */
  status?: number;
  cause?: unknown;
}

/**
 * An error that maps to a docs/errors.md response. Services throw the named subclasses below (they know nothing
 * of HTTP); `onError` turns any ApiError into the docs/conventions.md#envelopes envelope with the table's status.
 */
export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, options: ApiErrorOptions = {}) {
    super(options.message ?? errorCodes[code].message, { cause: options.cause });
    const entry: { status: number; alternateStatuses?: readonly number[] } = errorCodes[code];
    if (options.status !== undefined && !(entry.alternateStatuses ?? []).includes(options.status)) {
      throw new Error(`status ${options.status} is not declared for ${code}`);
    }
    this.name = "ApiError";
    this.code = code;
    this.status = options.status ?? entry.status;
    this.details = options.details;
    this.headers = options.headers ?? {};
  }
}

export class NotFound extends ApiError {
  constructor(entity = "Resource") {
    super("NOT_FOUND", { message: `${entity} not found.` });
  }
}

export class VersionConflict extends ApiError {
  constructor(current: unknown) {
    super("VERSION_CONFLICT", {
      message: "The resource was changed since you read it; retry with the current version.",
      details: { current },
    });
  }
}

export class LimitExceeded extends ApiError {
  constructor(what: string, limit: number, current: number) {
    super("LIMIT_EXCEEDED", {
      message: `You have reached the limit of ${limit} ${what}.`,
      details: { limit, current },
    });
  }
}

export class Unauthorized extends ApiError {
  constructor(message?: string) {
    super("UNAUTHORIZED", message === undefined ? {} : { message });
  }
}

export interface FieldProblem {
  field: string;
  reason: string;
}

export class ValidationFailed extends ApiError {
  constructor(problems: FieldProblem[], message = "The request is invalid.") {
    super("VALIDATION_ERROR", { message, details: problems });
  }
}
