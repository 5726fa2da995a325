import type { Bindings, Config } from "./env";
import type { ErrorCode } from "./errors/codes";
import type { ServiceContext } from "./services/context";

/** Per-request values shared by the middleware chain and the handlers. */
export interface AppVariables {
  requestId: string;
  config: Config;
  services: ServiceContext;
  /** Filled by handlers/middleware for the request's log line (docs/operations.md). */
  logAction: string | undefined;
  logOutcome: string | undefined;
  userId: string | undefined;
  /** Set by onError: the docs/errors.md code of an error response (the idempotency layer decides what to store). */
  errorCode: ErrorCode | undefined;
  /** Set when the rate limiter could not be reached and the request was let through. */
  rateLimitFailOpen: boolean | undefined;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: AppVariables;
}
