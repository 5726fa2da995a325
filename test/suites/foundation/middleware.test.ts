import { afterEach, describe, expect, it, vi } from "vitest";
import { createProbeApp, probe } from "../../support/probe-app";
import { call, newRequestId } from "../../support/requests";

afterEach(() => vi.restoreAllMocks());

describe("request id (docs/conventions.md#request-ids)", () => {
  it("echoes a sane client id on the response, in the error body and in the log line", async () => {
    const logs = vi.spyOn(console, "log");
    const requestId = newRequestId("echo");
    const response = await call("/api/v1/nope", { requestId, invalid: true });
    expect(response.headers.get("X-Request-ID")).toBe(requestId);
    expect(((await response.json()) as { error: { request_id: string } }).error.request_id).toBe(requestId);
    const line = logs.mock.calls.map((args) => String(args[0])).find((text) => text.includes(requestId));
    expect(line).toBeDefined();
    const parsed = JSON.parse(line ?? "{}") as Record<string, unknown>;
    expect(parsed).toMatchObject({ request_id: requestId, method: "GET", status: 404, route: "(unmatched)", level: "warn" });
  });

  it.each([["missing", undefined], ["too short", "abc"], ["unsafe characters", "id with spaces;drop"], ["too long", "x".repeat(200)]])(
    "generates a fresh id when the client's is %s",
    async (_label, offered) => {
      const response = await call("/api/v1/health/live", { headers: offered === undefined ? {} : { "X-Request-ID": offered } });
      const id = response.headers.get("X-Request-ID");
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(id).not.toBe(offered);
    },
  );
});

describe("structured request log (docs/operations.md)", () => {
  it("writes one JSON line with every field, the route template and the round trips", async () => {
    const logs = vi.spyOn(console, "log");
    const requestId = newRequestId("log");
    await call("/api/v1/health/ready", { requestId });
    const lines = logs.mock.calls.map((args) => String(args[0])).filter((text) => text.includes(requestId));
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? "{}") as Record<string, unknown>;
    expect(Object.keys(line).sort()).toEqual(
      ["action", "db_round_trips", "duration_ms", "level", "method", "outcome", "request_id", "route", "status", "timestamp", "user_id"].sort(),
    );
    expect(line).toMatchObject({ route: "/api/v1/health/ready", status: 200, db_round_trips: 1, outcome: "success", level: "info" });
    expect(typeof line.duration_ms).toBe("number");
  });
});

describe("security headers", () => {
  it("API responses carry HSTS, nosniff, frame-deny, referrer policy and a locked-down CSP", async () => {
    const response = await call("/api/v1/health/live");
    expect(response.headers.get("Strict-Transport-Security")).toMatch(/max-age=\d+/);
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("X-Frame-Options")).toBe("DENY");
    expect(response.headers.get("Referrer-Policy")).toBe("no-referrer");
    expect(response.headers.get("Content-Security-Policy")).toContain("default-src 'none'");
  });

  it("errors carry them too", async () => {
    const response = await call("/api/v1/missing", { invalid: true });
    expect(response.headers.get("X-Content-Type-Options")).toBe("nosniff");
    expect(response.headers.get("Strict-Transport-Security")).not.toBeNull();
  });

  it("/docs gets a CSP that lets the self-hosted reference run, and nothing from other origins", async () => {
    const response = await call("/docs");
    expect(response.status).toBe(200);
    const csp = response.headers.get("Content-Security-Policy") ?? "";
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/https?:\/\//);
    const html = await response.text();
    expect(html).toContain("/docs/assets/scalar.js");
    expect(html).toContain("/openapi.json");
  });
});

describe("CORS", () => {
  const preflight = (origin: string) =>
    call("/api/v1/health/live", {
      method: "OPTIONS",
      headers: { Origin: origin, "Access-Control-Request-Method": "PATCH", "Access-Control-Request-Headers": "authorization, idempotency-key, if-match" },
    });

  it("allows a preflight from a configured origin", async () => {
    const response = await preflight("https://app.perpetua.test");
    expect(response.status).toBe(204);
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://app.perpetua.test");
    expect(response.headers.get("Access-Control-Allow-Methods")).toContain("PATCH");
    expect(response.headers.get("Access-Control-Allow-Headers")?.toLowerCase()).toContain("idempotency-key");
  });

  it("refuses (no allow-origin header) a preflight from any other origin", async () => {
    const response = await preflight("https://evil.example");
    expect(response.headers.get("Access-Control-Allow-Origin")).toBeNull();
  });

  it("exposes our headers to an allowed origin on simple requests", async () => {
    const response = await call("/api/v1/health/live", { headers: { Origin: "http://localhost:5173" } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("http://localhost:5173");
    expect(response.headers.get("Access-Control-Expose-Headers")).toContain("X-Request-ID");
  });
});

describe("configuration (docs/configuration.md)", () => {
  const app = createProbeApp();

  it("a bad value answers 500 INTERNAL_ERROR and the log names the variable, not the client", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const requestId = newRequestId("config");
    const response = await probe(app, "/api/v1/health/live", {
      headers: { "X-Request-ID": requestId },
      env: { RATE_LIMIT_GENERAL: "lots", GOOGLE_JWKS_URL: "not a url" },
    });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: "INTERNAL_ERROR", request_id: requestId } });
    expect(text).not.toContain("RATE_LIMIT_GENERAL");
    const logged = errors.mock.calls.map((args) => String(args[0])).find((line) => line.includes(requestId)) ?? "";
    const entry = JSON.parse(logged) as { invalid_variables: { variable: string }[] };
    expect(entry.invalid_variables.map((p) => p.variable).sort()).toEqual(["GOOGLE_JWKS_URL", "RATE_LIMIT_GENERAL"]);
  });

  it("a deployed environment without a signing key is refused, naming the key", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await probe(app, "/api/v1/health/live", {
      env: { ENVIRONMENT: "production", JWT_PRIVATE_KEY: undefined, JWT_KEY_ID: undefined },
    });
    expect(response.status).toBe(500);
    const logged = errors.mock.calls.map((args) => String(args[0])).join("\n");
    expect(logged).toContain("JWT_PRIVATE_KEY");
    expect(logged).toContain("JWT_KEY_ID");
  });

  it("a missing required variable is named too", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await probe(app, "/api/v1/health/live", { env: { DATABASE_URL: undefined } });
    expect(response.status).toBe(500);
    expect(errors.mock.calls.map((args) => String(args[0])).join("\n")).toContain("DATABASE_URL");
  });
});
