import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env";
import type { ErrorCode } from "./codes";

export interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string; details?: unknown };
}

/** Challenges of the 401 codes that were not given one by the code that threw them (middleware/auth.ts does). */
const BEARER_CHALLENGES: Partial<Record<ErrorCode, string>> = {
  UNAUTHORIZED: 'Bearer realm="api"',
  TOKEN_EXPIRED: 'Bearer realm="api", error="invalid_token", error_description="expired"',
  REFRESH_TOKEN_REUSED: 'Bearer realm="api", error="invalid_token", error_description="refresh token reused"',
  OAUTH_VERIFICATION_FAILED: 'Bearer realm="api", error="invalid_token", error_description="Google ID token not verified"',
};

/** The docs/conventions.md#envelopes error envelope; `details` is omitted when there are none. */
export function errorResponse(
  c: Context<AppEnv>,
  code: ErrorCode,
  status: number,
  message: string,
  details?: unknown,
  headers: Record<string, string> = {},
): Response {
  const body: ErrorBody = {
    error: { code, message, request_id: c.get("requestId") ?? "unknown", ...(details === undefined ? {} : { details }) },
  };
  c.set("errorCode", code);
  for (const [name, value] of Object.entries(headers)) c.header(name, value);
  // RFC 9110 §15.5.2 / RFC 6750 §3: every 401 carries a challenge, also where no access token was involved.
  if (status === 401 && !Object.keys(headers).some((name) => name.toLowerCase() === "www-authenticate")) {
    c.header("WWW-Authenticate", BEARER_CHALLENGES[code] ?? 'Bearer realm="api"');
  }
  return c.json(body, status as ContentfulStatusCode);
}
