import { API_PREFIX, openApiInfo } from "./app";
import { mountAllResources } from "./routes/resources";
import { createRouter } from "./routes/router";
import { registerJwks } from "./routes/well-known/jwks";

export type OpenApiDocument = ReturnType<ReturnType<typeof createRouter>["getOpenAPI31Document"]>;

/**
 * The OpenAPI 3.1 document, built from the operations' own declarations (routes/define-route.ts): every
 * resource mounted eagerly on an application of its own, the way the Worker's routes would be if they
 * were not loaded on first use. `GET /openapi.json` imports this module on its first request;
 * `npm run contract` writes the result to contracts/openapi.json.
 */
export async function buildOpenApiDocument(): Promise<OpenApiDocument> {
  const app = createRouter();
  const api = createRouter();
  await mountAllResources(api);
  app.route(API_PREFIX, api);
  // Outside /api/v1 by convention (RFC 8615): GET /.well-known/jwks.json, our public signing keys.
  registerJwks(app);
  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "Access token from POST /api/v1/auth/google or /auth/refresh (RS256, 15 minutes; keys at /.well-known/jwks.json).",
  });
  return app.getOpenAPI31Document(openApiInfo);
}
