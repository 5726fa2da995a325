import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { createTask, errorOf, expectData, newClient } from "../../support/factories";
import { focusTime, sessionRows, type FocusSessionJson } from "./support";

const SOME_ID = "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b";

const OPERATIONS: [string, string][] = [
  ["POST", "/focus/sessions"],
  ["POST", `/focus/sessions/${SOME_ID}/end`],
  ["GET", "/focus/sessions"],
  ["GET", "/focus/stats"],
];

async function expectValidationError(response: Response): Promise<void> {
  const text = await response.text();
  expect(response.status, text).toBe(400);
  expect(JSON.parse(text).error.code).toBe("VALIDATION_ERROR");
}

describe("focus – security (docs/conventions.md#ownership)", () => {
  it("every focus operation without a token → 401 UNAUTHORIZED", async () => {
    for (const [method, path] of OPERATIONS) {
      const response = await call(`/api/v1${path}`, {
        method,
        headers: { "Idempotency-Key": crypto.randomUUID() },
        body: method === "GET" ? undefined : {},
        invalid: true,
      });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect((await errorOf(response)).code).toBe("UNAUTHORIZED");
    }
  });

  it("POSTs without Idempotency-Key → 400 IDEMPOTENCY_KEY_REQUIRED", async () => {
    const client = await newClient();
    const start = await client.request("POST", "/focus/sessions", { body: {}, key: null, invalid: true });
    expect((await errorOf(start)).code).toBe("IDEMPOTENCY_KEY_REQUIRED");
    const end = await client.request("POST", `/focus/sessions/${SOME_ID}/end`, { key: null, invalid: true });
    expect((await errorOf(end)).code).toBe("IDEMPOTENCY_KEY_REQUIRED");
  });

  it("another user's session and task → 404, and nothing changes", async () => {
    const owner = await newClient();
    const intruder = await newClient();
    const task = await createTask(owner);
    const session = await expectData<FocusSessionJson>(await owner.request("POST", "/focus/sessions", { body: { task_id: task.id } }), 201);

    const end = await intruder.request("POST", `/focus/sessions/${session.id}/end`);
    expect(end.status).toBe(404);
    expect((await errorOf(end)).code).toBe("NOT_FOUND");
    const start = await intruder.request("POST", "/focus/sessions", { body: { task_id: task.id } });
    expect(start.status).toBe(404);
    const missing = await intruder.request("POST", "/focus/sessions", { body: { task_id: SOME_ID } });
    expect(missing.status).toBe(404);
    expect((await intruder.request("POST", `/focus/sessions/${SOME_ID}/end`)).status).toBe(404);

    const listed = (await (await intruder.request("GET", "/focus/sessions")).json()) as { data: unknown[] };
    expect(listed.data).toEqual([]);
    expect(await sessionRows(intruder.userId)).toEqual([]);
    expect(await sessionRows(owner.userId)).toMatchObject([{ id: session.id, status: "running" }]);
    expect((await focusTime(task.id)).focus_time_seconds).toBe(0);
  });

  it("malformed session ids → 400 VALIDATION_ERROR", async () => {
    const client = await newClient();
    for (const id of ["not-a-uuid", "1", "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6", "%27%20or%201=1--"]) {
      await expectValidationError(await client.request("POST", `/focus/sessions/${id}/end`, { invalid: true }));
    }
  });

  it("property: invalid start bodies → 400 VALIDATION_ERROR, and no session starts", async () => {
    const client = await newClient();
    const badMinutes = fc.oneof(
      fc.integer({ min: -1000, max: 4 }),
      fc.integer({ min: 181, max: 1_000_000 }),
      fc.double({ min: 5.01, max: 179.99, noInteger: true, noNaN: true }),
      fc.string({ maxLength: 10 }),
      fc.boolean(),
      fc.constant(null),
    );
    const badTask = fc.oneof(fc.string({ maxLength: 40 }).filter((s) => !/^[0-9a-f-]{36}$/i.test(s)), fc.integer(), fc.boolean(), fc.array(fc.uuid(), { maxLength: 2 }));
    const body = fc.oneof(
      fc.record({ planned_minutes: badMinutes }),
      fc.record({ task_id: badTask, planned_minutes: fc.integer({ min: 5, max: 180 }) }),
      fc.record({ planned_minutes: fc.integer({ min: 5, max: 180 }), extra: fc.string() }),
      fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer(), { maxLength: 3 }), fc.constant(null)),
    );
    await fc.assert(
      fc.asyncProperty(body, async (input) => {
        await expectValidationError(await client.request("POST", "/focus/sessions", { body: input, invalid: true }));
      }),
      { numRuns: 40 },
    );
    expect(await sessionRows(client.userId)).toEqual([]);
  });

  it("property: any list query is 200 or 400 VALIDATION_ERROR – never 500", async () => {
    const client = await newClient();
    const param = fc.constantFrom("status", "limit", "cursor", "unknown");
    const raw = fc.oneof(fc.string({ maxLength: 60 }), fc.integer({ min: -1e6, max: 1e6 }).map(String), fc.base64String({ maxLength: 100 }), fc.constantFrom("running", "completed", "0", "101", "eyJrIjoieCJ9"));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(param, raw), { maxLength: 3 }), async (pairs) => {
        const response = await client.request("GET", `/focus/sessions?${new URLSearchParams(pairs).toString()}`, { invalid: true });
        const text = await response.text();
        expect([200, 400], text).toContain(response.status);
        if (response.status === 400) expect(JSON.parse(text).error.code).toBe("VALIDATION_ERROR");
      }),
      { numRuns: 30 },
    );
  });
});
