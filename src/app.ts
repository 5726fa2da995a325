import { Scalar } from "@scalar/hono-api-reference";
import { onError } from "./errors/on-error";
import { bodyLimit } from "./middleware/body-limit";
import { configuration } from "./middleware/config";
import { cors } from "./middleware/cors";
import { requestLog } from "./middleware/logging";
import { requestId } from "./middleware/request-id";
import { DOCS_PATH, securityHeaders } from "./middleware/security-headers";
import { servicesContext } from "./middleware/services-context";
import { mountRoutes } from "./routes";
import { createFallback } from "./routes/fallback";
import { createRouter, type AppRouter } from "./routes/router";

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
      "Task manager with an AI assistant. JSON over HTTPS; snake_case fields; RFC 3339 UTC times; `{data}` / `{error}` envelopes (SPEC §1).",
  },
  servers: [{ url: "/", description: "This server" }],
};

/** Builds the Hono application: the middleware chain, the routers, the OpenAPI document and `/docs`. */
export function createApp(): AppRouter {
  const app = createRouter();

  // Order: id first (every response and log line carries it), log around everything, then headers, config,
  // CORS (needs config), body limit, and the per-request service context.
  app.use("*", requestId, requestLog, securityHeaders, configuration, cors);
  app.use(`${API_PREFIX}/*`, bodyLimit, servicesContext);

  const api = createRouter();
  mountRoutes(api);
  app.route(API_PREFIX, api);

  app.doc31(OPENAPI_PATH, openApiInfo);
  app.get(DOCS_PATH, Scalar({ url: OPENAPI_PATH, cdn: SCALAR_BUNDLE_PATH, pageTitle: "Perpetua Flow API" }));

  app.notFound(createFallback(app));
  app.onError(onError);
  return app;
}
