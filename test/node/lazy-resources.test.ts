import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { ROUTE_MANIFEST } from "../../src/routes/manifest.ts";

// The Workers pool loads every resource before a test file runs (test/support/preload-resources.ts), so the
// load on first request (src/routes/index.ts) is exercised here, in Node, where nothing has loaded one yet.
const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048, privateKeyEncoding: { type: "pkcs8", format: "pem" }, publicKeyEncoding: { type: "spki", format: "pem" } });
const env = { ENVIRONMENT: "test", DATABASE_URL: "postgres://nobody@127.0.0.1:1/none", JWT_PRIVATE_KEY: privateKey, JWT_KEY_ID: "lazy-test" };

const send = (path: string, init: RequestInit = {}) => createdApp.request(`https://api.perpetua.test/api/v1${path}`, init, env);
const createdApp = createApp();

describe("resources loaded on their first request", () => {
  it("answer parallel first requests to several resources with their own validators and handlers", async () => {
    const json = { "Content-Type": "application/json" };
    const [live, google, refresh, unknownMethod, unauthenticated, jwks] = await Promise.all([
      send("/health/live"),
      send("/auth/google", { method: "POST", headers: json, body: JSON.stringify({ id_token: 42 }) }),
      send("/auth/refresh", { method: "POST", headers: json, body: "{}" }),
      send("/health/live", { method: "DELETE" }),
      send("/tasks"),
      createdApp.request("https://api.perpetua.test/.well-known/jwks.json", {}, env),
    ]);
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ data: { status: "live" } });
    // 400 with the field named: the resource's own request schema ran inside the stub.
    expect(google.status).toBe(400);
    const googleError = (await google.json()) as { error: { code: string; details?: unknown } };
    expect(googleError.error.code).toBe("VALIDATION_ERROR");
    expect(JSON.stringify(googleError.error.details)).toContain("id_token");
    expect(refresh.status).toBe(400);
    expect(unknownMethod.status).toBe(405);
    expect(unauthenticated.status).toBe(401);
    // Outside /api/v1: the key set, its operation imported on this first request (routes/well-known).
    expect(jwks.status).toBe(200);
    const keySet = (await jwks.json()) as { keys: { kty: string; alg: string; kid: string }[] };
    expect(keySet.keys.length).toBeGreaterThan(0);
    expect(keySet.keys[0]).toMatchObject({ kty: "RSA", alg: "RS256", kid: "lazy-test" });
  });

  it("registers every operation of the manifest, each answering (no 404) before its resource is loaded", async () => {
    const resources = new Set(ROUTE_MANIFEST.map((route) => route.resource));
    expect(resources.size).toBeGreaterThan(20);
    for (const { method, path } of ROUTE_MANIFEST.filter((route) => route.flags.access !== "public")) {
      const response = await send(path.replace(/:(\w+)/g, "x"), { method });
      // No token: the operation exists (not 404/405) and authentication refuses it.
      expect([method, path, response.status]).toEqual([method, path, 401]);
    }
  });
});
