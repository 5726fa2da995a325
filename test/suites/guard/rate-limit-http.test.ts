import { afterEach, describe, expect, it, vi } from "vitest";
import { createProbeApp, probe } from "../../support/probe-app";
import { call } from "../../support/requests";

afterEach(() => vi.restoreAllMocks());

const randomIp = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID().slice(0, 8)}`;

function authAttempt(ip: string, now: Date) {
  return call("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "CF-Connecting-IP": ip, "X-Test-Now": now.toISOString() },
    body: { refresh_token: "not-a-real-token" },
  });
}

describe("rate limits over HTTP (docs/conventions.md#rate-limits)", () => {
  it("limits /auth/* per client IP (default 10/min) with RateLimit headers and a 429 + Retry-After", async () => {
    const ip = randomIp();
    const t0 = Date.now();
    const responses = [];
    for (let i = 0; i < 11; i++) responses.push(await authAttempt(ip, new Date(t0 + i * 1000)));
    expect(responses.slice(0, 10).every((r) => r.status !== 429)).toBe(true);
    const refused = responses[10];
    expect(refused?.status).toBe(429);
    expect(refused?.headers.get("Retry-After")).toBe("50");
    expect(refused?.headers.get("RateLimit-Policy")).toBe('"auth";q=10;w=60');
    expect(refused?.headers.get("RateLimit")).toBe('"auth";r=0;t=50');
    const body = (await refused?.json()) as { error: { code: string } };
    expect(body.error.code).toBe("RATE_LIMITED");
    expect(responses[0]?.headers.get("RateLimit")).toBe('"auth";r=9;t=60');

    // Another IP has its own budget.
    expect((await authAttempt(randomIp(), new Date(t0 + 10_000))).status).not.toBe(429);
  });

  it("exempts health probes", async () => {
    const response = await call("/api/v1/health/live");
    expect(response.headers.get("RateLimit-Policy")).toBeNull();
  });

  it("reads the limits from configuration", async () => {
    const app = createProbeApp();
    const ip = randomIp();
    const t0 = Date.now();
    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const response = await probe(app, "/api/v1/auth/refresh", {
        method: "POST",
        headers: { "CF-Connecting-IP": ip, "X-Test-Now": new Date(t0 + i).toISOString(), "Content-Type": "application/json" },
        body: "{}",
        env: { RATE_LIMIT_AUTH: "3", RATE_LIMIT_WINDOW_SECONDS: "30" },
        invalid: true,
      });
      statuses.push(response.status);
      if (i === 0) expect(response.headers.get("RateLimit-Policy")).toBe('"auth";q=3;w=30');
    }
    expect(statuses.slice(0, 3).every((s) => s !== 429)).toBe(true);
    expect(statuses[3]).toBe(429);
  });

  it("fails open, and logs it, when the guard cannot be reached", async () => {
    const logs = vi.spyOn(console, "log");
    const app = createProbeApp();
    const broken = {
      idFromName: () => {
        throw new Error("Durable Object namespace unavailable");
      },
    };
    const response = await probe(app, "/api/v1/auth/refresh", {
      method: "POST",
      headers: { "CF-Connecting-IP": randomIp(), "Content-Type": "application/json" },
      body: "{}",
      env: { USER_GUARD: broken },
      invalid: true,
    });
    expect(response.status).not.toBe(429);
    expect(response.status).not.toBe(500);
    expect(logs.mock.calls.map((args) => String(args[0])).some((line) => line.includes("rate_limit_fail_open"))).toBe(true);
  });
});

describe("per-user limits over HTTP", () => {
  it("counts an authenticated user's requests in their own general budget, independent of other users", async () => {
    const { signIn, authHeaders } = await import("../../support/auth");
    const app = createProbeApp();
    const [alice, bob] = [await signIn(), await signIn()];
    const t0 = Date.now();
    const get = (token: string, i: number) =>
      probe(app, "/api/v1/users/me", {
        headers: authHeaders(token, { "X-Test-Now": new Date(t0 + i).toISOString() }),
        env: { RATE_LIMIT_GENERAL: "3" },
      });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await get(alice.accessToken, i)).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const other = await get(bob.accessToken, 5);
    expect(other.status).toBe(200);
    expect(other.headers.get("RateLimit")).toBe('"general";r=2;t=60');
  });

  it("does not limit the JWKS or the docs", async () => {
    for (const path of ["/.well-known/jwks.json", "/docs", "/openapi.json"]) {
      const response = await call(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("RateLimit-Policy")).toBeNull();
    }
  });
});

describe("per-task AI limit service (docs/ai.md)", () => {
  it("returns the warning from the 5th request and refuses the 11th with 429 AI_TASK_LIMIT_REACHED", async () => {
    const { countAiTaskRequest } = await import("../../../src/services/guard/count-ai-task-request");
    const { systemContext } = await import("../../../src/services/system-context");
    const { testEnv } = await import("../../support/env");
    const ctx = systemContext(testEnv, { waitUntil: () => undefined }, "ai-limit-test", "test");
    ctx.actor = { type: "user", userId: crypto.randomUUID(), sessionId: crypto.randomUUID(), tier: "pro" };
    const taskId = crypto.randomUUID();
    const warnings = [];
    for (let i = 0; i < 10; i++) warnings.push((await countAiTaskRequest({ ctx, input: { taskId } })).warning);
    expect(warnings).toEqual([false, false, false, false, true, true, true, true, true, true]);
    const refused = await countAiTaskRequest({ ctx, input: { taskId } }).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: "AI_TASK_LIMIT_REACHED", status: 429 });
    ctx.actor = { ...ctx.actor, sessionId: crypto.randomUUID() };
    expect(await countAiTaskRequest({ ctx, input: { taskId } })).toEqual({ count: 1, warning: false });
  });
});
