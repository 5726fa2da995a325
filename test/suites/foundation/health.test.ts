import { describe, expect, it } from "vitest";
import journal from "../../../migrations/meta/_journal.json";
import { call, newRequestId } from "../../support/requests";
import { clearFault, injectFault, roundTrips } from "../../support/neon-control";

describe("health (docs/operations.md)", () => {
  it("live answers without touching the database", async () => {
    const requestId = newRequestId("live");
    const response = await call("/api/v1/health/live", { requestId });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { status: "live" } });
    expect(await roundTrips(requestId)).toBe(0);
  });

  it("ready reports the database reachable and migrations current in one round trip", async () => {
    const requestId = newRequestId("ready");
    const response = await call("/api/v1/health/ready", { requestId });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: { status: string; checks: Record<string, string>; migrations: { expected: string; applied: string } } };
    expect(body.data.status).toBe("ready");
    expect(body.data.checks).toEqual({ database: "ok", migrations: "ok" });
    const newest = journal.entries.at(-1)?.tag;
    expect(body.data.migrations.applied).toBe(newest);
    expect(body.data.migrations.expected).toBe(newest);
    expect(await roundTrips(requestId)).toBe(1);
  });

  it("ready is 503 SERVICE_UNAVAILABLE while the database endpoint refuses, and 200 again after", async () => {
    const requestId = newRequestId("ready-down");
    const fault = await injectFault({ mode: "refuse", request_id: requestId });
    const down = await call("/api/v1/health/ready", { requestId });
    expect(down.status).toBe(503);
    expect(down.headers.get("Retry-After")).toBe("5");
    const body = (await down.json()) as { error: { code: string; request_id: string; details: { checks: Record<string, string> } } };
    expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
    expect(body.error.request_id).toBe(requestId);
    expect(body.error.details.checks).toEqual({ database: "unreachable", migrations: "unknown" });

    await clearFault(fault);
    const up = await call("/api/v1/health/ready", { requestId });
    expect(up.status).toBe(200);
  });

  it("a non-transient database error (XX001, not an outage) is a 500, not a false 'unreachable'", async () => {
    const requestId = newRequestId("ready-error");
    await injectFault({ mode: "error", request_id: requestId, code: "XX001", message: "boom", times: 1 });
    const response = await call("/api/v1/health/ready", { requestId });
    expect(response.status).toBe(500);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("INTERNAL_ERROR");
    expect(body.error.message).not.toContain("boom");
  });
});
