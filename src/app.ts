import { Scalar } from "@scalar/hono-api-reference";
import { onError } from "./errors/on-error";
import { bodyLimit } from "./middleware/body-limit";
import { configuration } from "./middleware/config";
import { cors } from "./middleware/cors";
import { deprecation } from "./middleware/deprecation";
import { authentication } from "./middleware/auth";
import { idempotency } from "./middleware/idempotency";
import { rateLimit } from "./middleware/rate-limit";
import { requestLog } from "./middleware/logging";
import { requestMetrics } from "./middleware/metrics";
import { requestId } from "./middleware/request-id";
import { jsonBodyEncoding } from "./middleware/json-body";
import { DOCS_PATH, noStore, securityHeaders } from "./middleware/security-headers";
import { servicesContext } from "./middleware/services-context";
import { mountRoutes } from "./routes";
import { createFallback } from "./routes/fallback";
import { createRouter, type AppRouter } from "./routes/router";
import { mountWellKnown } from "./routes/well-known";
import { lazy } from "./lib/lazy";

export const API_PREFIX = "/api/v1";
export const OPENAPI_PATH = "/openapi.json";
/** Served from `public/` as a static asset (scripts/docs-assets.ts copies it from @scalar/api-reference). */
export const SCALAR_BUNDLE_PATH = "/docs/assets/scalar.js";

export const openApiInfo: Parameters<AppRouter["getOpenAPI31Document"]>[0] = {
  openapi: "3.1.0",
  info: {
    title: "Perpetua Flow API",
    version: "1.0.0",
    description:
      "Task manager with an AI assistant. JSON over HTTPS; snake_case fields; RFC 3339 UTC times; `{data}` / `{error}` envelopes (docs/conventions.md).",
  },
  servers: [{ url: "/", description: "This server" }],
};

export interface AppOptions {
  /**
   * Rate limits and idempotency (docs/conventions.md#idempotency, docs/conventions.md#rate-limits). Always on in the Worker; `load/` builds a second Worker
   * without them only to measure what they cost (bench scenario `guarded`).
   */
  guards?: boolean;
}

/**
 * Builds the Hono application: the middleware chain, the operations (each resource loaded on its first
 * request, routes/index.ts), the OpenAPI document and `/docs`.
 */
export function createApp(options: AppOptions = {}): AppRouter {
  const app = createRouter();

  // Order: id first (every response and log line carries it), log and metrics around everything, then headers
  // (deprecation on every answer of a deprecated operation, no-store on /api/v1), config, CORS (needs config),
  // body limit, UTF-8 of JSON bodies, and the per-request service context.
  app.use("*", requestId, requestLog, requestMetrics, deprecation(API_PREFIX), securityHeaders, noStore(API_PREFIX), configuration, cors);
  app.use(`${API_PREFIX}/*`, bodyLimit(API_PREFIX), jsonBodyEncoding, servicesContext);
  // Each operation's flags (routes/define-route.ts) say what it needs: an access token (default), which
  // rate-limit budget, an Idempotency-Key. Authentication sets the user; limits and idempotency are per user.
  app.use(`${API_PREFIX}/*`, authentication(API_PREFIX));
  if (options.guards !== false) app.use(`${API_PREFIX}/*`, rateLimit(API_PREFIX), idempotency(API_PREFIX));

  const api = createRouter();
  mountRoutes(api);
  app.route(API_PREFIX, api);
  // Outside /api/v1 by convention (RFC 8615): GET /.well-known/jwks.json, our public signing keys.
  mountWellKnown(app);

  // The document is built on its first request (src/openapi-document.ts), not at start-up.
  const document = lazy(async () => (await import("./openapi-document")).buildOpenApiDocument());
  app.get(OPENAPI_PATH, async (c) => c.json(await document()));
  // Self-contained under the docs CSP: system fonts instead of fonts.scalar.com, and none of Scalar's hosted
  // extras (AI agent, MCP generator), which would send our document to a third party and are blocked anyway.
  app.get(
    DOCS_PATH,
    Scalar({
      url: OPENAPI_PATH,
      cdn: SCALAR_BUNDLE_PATH,
      pageTitle: "Perpetua Flow API",
      withDefaultFonts: false,
      agent: { disabled: true },
      mcp: { disabled: true },
    }),
  );

  app.notFound(createFallback(app));
  app.onError(onError);
  return app;
}
