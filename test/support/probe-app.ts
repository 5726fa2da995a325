import { z } from "@hono/zod-openapi";
import { createApp } from "../../src/app";
import { dataEnvelope, defineRoute } from "../../src/routes/define-route";
import { checkContract } from "./contract";
import { testEnv } from "./env";

/**
 * The real application (same middleware chain, same onError) with two extra operations that the product
 * does not have: one with a strict body schema and one that throws. They let the foundation tests reach
 * every error path of the platform layer before the product's own routes exist.
 */
export function createProbeApp() {
  const app = createApp();
  // The probe operations are anonymous (public), like every operation was before authentication existed.
  const echo = defineRoute({
    method: "post",
    path: "/api/v1/__probe/echo",
    access: "public",
    database: false,
    request: {
      body: {
        content: {
          "application/json": {
            schema: z.strictObject({ title: z.string().min(1).max(10), count: z.number().int().min(0) }),
          },
        },
      },
    },
    responses: { 200: { description: "echo", content: { "application/json": { schema: dataEnvelope(z.object({ title: z.string(), count: z.number() })) } } } },
  });
  app.openapi(echo, (c) => c.json({ data: c.req.valid("json") }, 200));
  const boom = defineRoute({
    method: "get",
    path: "/api/v1/__probe/boom",
    access: "public",
    database: false,
    responses: { 200: { description: "never answers" } },
  });
  app.openapi(boom, () => {
    throw new Error("secret internal detail: connection string postgres://user:pw@db");
  });
  return app;
}

/**
 * Calls the probe app. Requests to the product's own operations are checked against contracts/openapi.json
 * like `call(...)` (`invalid: true` when the request breaks the document on purpose); the probe operations
 * under `/api/v1/__probe/` exist only in tests and are not in the document.
 */
export async function probe(
  app: ReturnType<typeof createProbeApp>,
  path: string,
  init: RequestInit & { env?: Record<string, unknown>; invalid?: boolean } = {},
): Promise<Response> {
  const { env: overrides, invalid, ...requestInit } = init;
  const ctx = { waitUntil: () => undefined, passThroughOnException: () => undefined, props: {} } as unknown as ExecutionContext;
  const request = new Request(`https://api.perpetua.test${path}`, requestInit);
  const sent = request.clone();
  const response = await app.fetch(request, { ...testEnv, ...overrides }, ctx);
  if (!path.startsWith("/api/v1/__probe/")) await checkContract(sent, response, { invalid });
  return response;
}
