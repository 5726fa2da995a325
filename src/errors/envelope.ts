import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { AppEnv } from "../app-env";
import type { ErrorCode } from "./codes";

export interface ErrorBody {
  error: { code: ErrorCode; message: string; request_id: string; details?: unknown };
}

/** The SPEC §1.2 error envelope; `details` is omitted when there are none. */
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
  return c.json(body, status as ContentfulStatusCode);
}
