import { afterEach, describe, expect, it, vi } from "vitest";
import { createProbeApp, probe } from "../../support/probe-app";
import { sentryEventsFor } from "../../support/sentry";
import { call, newRequestId } from "../../support/requests";

interface ErrorBody {
  error: { code: string; message: string; request_id: string; details?: unknown };
}

const app = createProbeApp();
const json = { "Content-Type": "application/json" };

afterEach(() => vi.restoreAllMocks());

describe("error envelope (docs/conventions.md#envelopes, docs/errors.md)", () => {
  it("unknown route → 404 NOT_FOUND as JSON", async () => {
    const requestId = newRequestId("404");
    const response = await call("/api/v1/no-such-thing", { requestId, invalid: true });
    expect(response.status).toBe(404);
    expect(response.headers.get("Content-Type")).toContain("application/json");
    const body = (await response.json()) as ErrorBody;
    expect(body).toEqual({ error: { code: "NOT_FOUND", message: expect.any(String), request_id: requestId } });
  });

  it("wrong method on a known route → 405 with Allow", async () => {
    const response = await call("/api/v1/health/live", { method: "DELETE", invalid: true });
    expect(response.status).toBe(405);
    expect(response.headers.get("Allow")).toBe("GET, HEAD");
    expect(((await response.json()) as ErrorBody).error.code).toBe("METHOD_NOT_ALLOWED");
  });

  it("body over 1 MB → 413 VALIDATION_ERROR, before the handler runs", async () => {
    const big = JSON.stringify({ title: "x".repeat(1024 * 1024), count: 1 });
    const response = await probe(app, "/api/v1/__probe/echo", { method: "POST", headers: json, body: big });
    expect(response.status).toBe(413);
    const body = (await response.json()) as ErrorBody;
    expect(body.error.code).toBe("VALIDATION_ERROR");
    expect(body.error.message).toMatch(/1 MB/);
  });

  it("malformed JSON → 400 VALIDATION_ERROR", async () => {
    const response = await probe(app, "/api/v1/__probe/echo", { method: "POST", headers: json, body: '{"title": "a",' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ErrorBody).error.code).toBe("VALIDATION_ERROR");
  });

  it("schema violations → 400 with one detail per field", async () => {
    const response = await probe(app, "/api/v1/__probe/echo", {
      method: "POST",
      headers: json,
      body: JSON.stringify({ title: "", count: -1.5, extra: true }),
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as ErrorBody & { error: { details: { field: string; reason: string }[] } };
    expect(body.error.code).toBe("VALIDATION_ERROR");
    expect(new Set(body.error.details.map((d) => d.field))).toEqual(new Set(["title", "count", "extra"]));
    expect(body.error.details.find((d) => d.field === "extra")?.reason).toBe("Unknown field.");
    for (const detail of body.error.details) expect(detail.reason.length).toBeGreaterThan(0);
  });

  it("a valid body passes through", async () => {
    const response = await probe(app, "/api/v1/__probe/echo", { method: "POST", headers: json, body: JSON.stringify({ title: "ok", count: 2 }) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { title: "ok", count: 2 } });
  });

  it("an unexpected exception → 500 INTERNAL_ERROR without internals, reported to Sentry", async () => {
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const requestId = newRequestId("boom");
    const response = await probe(app, "/api/v1/__probe/boom", { headers: { "X-Request-ID": requestId } });
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toMatch(/secret|postgres:|stack|Error:/);
    const body = JSON.parse(text) as ErrorBody;
    expect(body.error).toEqual({ code: "INTERNAL_ERROR", message: expect.any(String), request_id: requestId });
  });
});

describe("Sentry reporting through the real Worker entry", () => {
  it("a 500 is delivered to the Sentry endpoint with its request id", async () => {
    // The database answers with an internal error for this request only: a 500 through the real entry point,
    // whose Sentry wrapper owns the client and flushes it with waitUntil.
    const { injectFault } = await import("../../support/neon-control");
    const requestId = newRequestId("sentry");
    await injectFault({ mode: "error", request_id: requestId, code: "XX001", message: "corrupted", times: 1 });
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    const response = await call("/api/v1/health/ready", { requestId });
    expect(response.status).toBe(500);
    const events = await sentryEventsFor(requestId);
    expect(events.length).toBe(1);
    expect(events[0]?.tags?.request_id).toBe(requestId);
    expect(events[0]?.tags?.route).toBe("/api/v1/health/ready");
  });
});
