import { cors as honoCors } from "hono/cors";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";

const ALLOWED_HEADERS = [
  "Authorization",
  "Content-Type",
  "Idempotency-Key",
  "If-Match",
  "X-Request-ID",
  "Last-Event-ID",
];
const EXPOSED_HEADERS = [
  "X-Request-ID",
  "RateLimit",
  "RateLimit-Policy",
  "Retry-After",
  "Idempotent-Replayed",
  "Deprecation",
  "Sunset",
  "Link",
  // GET /tasks/{id} sends the version as ETag (for If-Match); every 401 a challenge.
  "ETag",
  "WWW-Authenticate",
];

/**
 * CORS for the web frontend, origins from CORS_ORIGINS. An origin not listed gets no
 * Access-Control-Allow-Origin header, so the browser refuses; tokens travel in the Authorization header,
 * never cookies, so credentials stay off.
 */
export const cors = createMiddleware<AppEnv>((c, next) => {
  const allowed = c.get("config").CORS_ORIGINS;
  return honoCors({
    origin: (origin) => (allowed.includes(origin) ? origin : null),
    allowMethods: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
    allowHeaders: ALLOWED_HEADERS,
    exposeHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  })(c, next);
});
