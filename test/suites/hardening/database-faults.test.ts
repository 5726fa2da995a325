import { afterEach, describe, expect, it } from "vitest";
import { isRetryableWriteConflict, isTransientDatabaseError } from "../../../src/db/errors";
import { clearFault, injectFault } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { createTask, errorOf, newClient, type TestClient } from "../../support/factories";

/**
 * Hardening item 3: transient database errors are 503 SERVICE_UNAVAILABLE with Retry-After on every
 * operation and make /health/ready 503; item 4: every database round trip has a deadline.
 */
const faults: string[] = [];
afterEach(async () => {
  await Promise.all(faults.splice(0).map((id) => clearFault(id)));
});

async function fault(spec: Parameters<typeof injectFault>[0]): Promise<void> {
  faults.push(await injectFault(spec));
}

const TRANSIENT = ["40001", "40P01", "57P01", "53300", "08006", "XX000"] as const;

type Operation = { name: string; run: (client: TestClient, requestId: string) => Promise<Response> };
const operations: Operation[] = [
  { name: "GET /health/ready", run: (client, requestId) => client.request("GET", "/health/ready", { requestId }) },
  { name: "GET /users/me", run: (client, requestId) => client.request("GET", "/users/me", { requestId }) },
  { name: "GET /tasks", run: (client, requestId) => client.request("GET", "/tasks", { requestId }) },
  { name: "POST /tasks", run: (client, requestId) => client.request("POST", "/tasks", { requestId, body: { title: "Faulty" } }) },
  { name: "DELETE /tags/{name}", run: (client, requestId) => client.request("DELETE", "/tags/work", { requestId }) },
];

async function expectUnavailable(response: Response): Promise<{ message: string; details: unknown }> {
  const text = await response.clone().text();
  expect(response.status, text).toBe(503);
  expect(response.headers.get("Retry-After")).toMatch(/^[1-9][0-9]*$/);
  const body = (await response.json()) as { error: { code: string; message: string; request_id: string; details?: unknown } };
  expect(body.error.code).toBe("SERVICE_UNAVAILABLE");
  expect(typeof body.error.request_id).toBe("string");
  return { message: body.error.message, details: body.error.details };
}

describe("transient database errors (hardening item 3)", () => {
  it.each(TRANSIENT)("SQLSTATE %s answers 503 SERVICE_UNAVAILABLE with Retry-After on every operation", async (code) => {
    const client = await newClient();
    for (const operation of operations) {
      const requestId = newRequestId(`transient-${code}`);
      await fault({ mode: "error", request_id: requestId, code });
      const response = await operation.run(client, requestId);
      const { message, details } = await expectUnavailable(response);
      expect(message, operation.name).not.toContain("injected");
      if (operation.name === "GET /health/ready") {
        expect(details).toMatchObject({ checks: { database: "unreachable", migrations: "unknown" } });
      }
    }
  });

  it("a non-transient database error stays 500 INTERNAL_ERROR (XX001 data_corrupted, 57014 query_canceled, 08P01)", async () => {
    const client = await newClient();
    for (const code of ["XX001", "57014", "08P01", "23505"]) {
      const requestId = newRequestId(`permanent-${code}`);
      await fault({ mode: "error", request_id: requestId, code, times: 1 });
      const response = await client.request("GET", "/users/me", { requestId });
      expect(response.status, code).toBe(500);
      expect((await errorOf(response)).code).toBe("INTERNAL_ERROR");
    }
  });

  it("classifies SQLSTATEs through drizzle's cause chain; only 40001/40P01 are safe to re-run", () => {
    const wrapped = (code: string) => new Error("Failed query", { cause: Object.assign(new Error("db"), { code }) });
    for (const code of ["08000", "08001", "08003", "08006", "40001", "40P01", "53000", "53100", "53200", "53300", "57P01", "57P02", "57P03", "XX000"]) {
      expect(isTransientDatabaseError(wrapped(code)), code).toBe(true);
    }
    for (const code of ["08P01", "23505", "42P01", "57014", "XX001", "XX002", "P0001"]) {
      expect(isTransientDatabaseError(wrapped(code)), code).toBe(false);
    }
    expect(isTransientDatabaseError(new Error("no code"))).toBe(false);
    expect(isTransientDatabaseError(Object.assign(new Error("jose"), { code: "ERR_JWT_EXPIRED" }))).toBe(false);
    expect(isRetryableWriteConflict(wrapped("40001"))).toBe(true);
    expect(isRetryableWriteConflict(wrapped("40P01"))).toBe(true);
    for (const code of ["57P01", "53300", "08006", "XX000"]) expect(isRetryableWriteConflict(wrapped(code)), code).toBe(false);
  });
});

describe("database deadline (hardening item 4)", () => {
  it("/health/ready answers 503 within its own short deadline while the database is frozen", async () => {
    const client = await newClient();
    const requestId = newRequestId("ready-frozen");
    await fault({ mode: "delay", request_id: requestId, delay_ms: 25_000 });
    const started = Date.now();
    const response = await client.request("GET", "/health/ready", { requestId });
    const elapsed = Date.now() - started;
    const { details, message } = await expectUnavailable(response);
    expect(details).toMatchObject({ checks: { database: "unreachable", migrations: "unknown" } });
    expect(message).toBeTruthy();
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(4_000);
  });

  it("a read and a write past DATABASE_TIMEOUT_MS answer 503 with Retry-After instead of waiting 25 s", async () => {
    const client = await newClient();
    const task = await createTask(client);
    for (const [method, path, body] of [
      ["GET", `/tasks/${task.id}`, undefined],
      ["PATCH", `/tasks/${task.id}`, { title: "Later", version: task.version }],
    ] as const) {
      const requestId = newRequestId("frozen");
      await fault({ mode: "delay", request_id: requestId, delay_ms: 25_000 });
      const started = Date.now();
      const response = await client.request(method, path, { requestId, body });
      const elapsed = Date.now() - started;
      const { message } = await expectUnavailable(response);
      expect(message).toBe("The database did not answer in time; retry shortly.");
      // The test Worker runs with DATABASE_TIMEOUT_MS=4000 (test/vitest.config.ts).
      expect(elapsed, `${method} ${path}`).toBeGreaterThanOrEqual(3_900);
      expect(elapsed, `${method} ${path}`).toBeLessThan(12_000);
    }
  });
});
