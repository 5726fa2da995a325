import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSubtask, createTask, dbRows, errorOf, newClient, sql, type TestClient } from "../../support/factories";

/**
 * Review of issue 5: inputs that pass a loose schema but that PostgreSQL refuses must be 400
 * VALIDATION_ERROR, never 500 – and unknown fields on PATCH /tasks are rejected (docs/conventions.md#patch-semantics). Every probe here
 * sends input outside the OpenAPI document on purpose (`invalid: true`: only the response is checked).
 */
async function expectHandled(response: Response, allowed: number[]): Promise<void> {
  const text = await response.text();
  expect(allowed, `${response.status} ${text}`).toContain(response.status);
  if (response.status === 400) expect(JSON.parse(text).error.code).toBe("VALIDATION_ERROR");
}

/** RFC 3339 instants at the edges: year 0000 (valid for JS, not for Postgres), offsets up to ±23:59. */
const EDGE_INSTANTS = [
  "0000-01-01T00:00:00Z",
  "0000-02-29T12:00:00+05:00",
  "2026-01-01T00:00:00+20:00",
  "2026-01-01T00:00:00-23:59",
  "9999-12-31T23:00:00-05:00",
];

async function countTasks(client: TestClient): Promise<number> {
  const [row] = await dbRows<{ n: number }>(sql`select count(*)::int as n from task_instances where user_id = ${client.userId}`);
  return row?.n ?? 0;
}

describe("tasks – review: edge inputs never become 500", () => {
  it("due_before / due_after with extreme offsets or years → 200 or 400, never 500", async () => {
    const client = await newClient();
    await createTask(client, { due_date: new Date(Date.now() + 86_400_000).toISOString() });
    for (const instant of EDGE_INSTANTS) {
      for (const param of ["due_before", "due_after"]) {
        await expectHandled(await client.request("GET", `/tasks?${param}=${encodeURIComponent(instant)}`, { invalid: true }), [200, 400]);
      }
    }
    // An in-range instant with a large offset is the same instant as its UTC form: it filters like it.
    const page = (await (await client.request("GET", `/tasks?due_after=${encodeURIComponent("2026-01-01T00:00:00+20:00")}`)).json()) as { data: unknown[] };
    expect(page.data).toHaveLength(1);
  });

  it("a due date Postgres cannot store → 400 on create and PATCH (free and pro), nothing written", async () => {
    for (const tier of ["free", "pro"] as const) {
      const client = await newClient({ tier });
      const task = await createTask(client);
      for (const instant of EDGE_INSTANTS) {
        await expectHandled(await client.request("POST", "/tasks", { body: { title: "edge", due_date: instant }, invalid: true }), [201, 400]);
        await expectHandled(await client.request("PATCH", `/tasks/${task.id}`, { body: { due_date: instant, version: 1 }, invalid: true }), [200, 400, 409]);
      }
      // Year 0000 and year 10000 (UTC) can never be stored: refused without a write.
      const before = await countTasks(client);
      const refused = await client.request("POST", "/tasks", { body: { title: "edge", due_date: "0000-01-01T00:00:00Z" }, invalid: true });
      expect(refused.status).toBe(400);
      expect(await countTasks(client)).toBe(before);
    }
  });

  it("unknown fields on PATCH /tasks → 400 VALIDATION_ERROR and no change", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "keep" });
    for (const body of [{ completed: true, version: 1 }, { id: crypto.randomUUID(), version: 1 }, { title: "x", version: 1, user_id: client.userId }]) {
      const error = await errorOf(await client.request("PATCH", `/tasks/${task.id}`, { body, invalid: true }));
      expect(error).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    }
    const [row] = await dbRows<{ title: string; version: number; completed: boolean }>(sql`select title, version, completed from task_instances where id = ${task.id}`);
    expect(row).toEqual({ title: "keep", version: 1, completed: false });
  });

  it("NUL characters and lone surrogates in free text → 2xx or 400, never 500", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const sub = await createSubtask(client, task.id);
    for (const text of ["a\u0000b", "\ud800", "x\udfffy"]) {
      await expectHandled(await client.request("POST", "/tasks", { body: { title: text }, invalid: true }), [201, 400]);
      await expectHandled(await client.request("POST", "/tasks", { body: { title: "t", description: text }, invalid: true }), [201, 400]);
      await expectHandled(await client.request("PATCH", `/subtasks/${sub.id}`, { body: { title: text, version: 1 }, invalid: true }), [200, 400, 409]);
      await expectHandled(await client.request("POST", `/tasks/${task.id}/subtasks`, { body: { title: text }, invalid: true }), [201, 400, 409]);
    }
  });

  it("malformed percent-encoding and NUL in query strings → 200 or 400, never 500", async () => {
    const client = await newClient();
    for (const raw of ["a%00b", "%ED%A0%80", "%E0%A4%A", "%FF", "%"]) {
      await expectHandled(await client.request("GET", `/tasks?q=${raw}`, { invalid: true }), [200, 400]);
      await expectHandled(await client.request("GET", `/tasks?tags=${raw}`, { invalid: true }), [200, 400]);
      await expectHandled(await client.request("GET", `/activity?entity_type=${raw}`, { invalid: true }), [200, 400]);
    }
  });

  it("property: subtask create, reorder, completion, history and activity inputs are handled", async () => {
    // A fresh user per property: each stays under the 100 requests/min rate limit (docs/conventions.md#rate-limits).
    const fresh = async () => {
      const client = await newClient({ tier: "pro" });
      return { client, task: await createTask(client) };
    };
    let { client, task } = await fresh();
    const value = fc.oneof(
      fc.string({ maxLength: 250 }),
      fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
      fc.array(fc.oneof(fc.uuid(), fc.string({ maxLength: 40 })), { maxLength: 5 }),
      fc.object(),
    );
    const body = (keys: string[]) => fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 3 });
    await fc.assert(
      fc.asyncProperty(body(["title", "source", "position", "x"]), async (input) => {
        await expectHandled(await client.request("POST", `/tasks/${task.id}/subtasks`, { body: input, invalid: true }), [201, 400, 409]);
      }),
      { numRuns: 25 },
    );
    ({ client, task } = await fresh());
    await fc.assert(
      fc.asyncProperty(body(["ids", "x"]), async (input) => {
        await expectHandled(await client.request("PUT", `/tasks/${task.id}/subtasks/order`, { body: input, invalid: true }), [200, 400, 409]);
      }),
      { numRuns: 25 },
    );
    ({ client, task } = await fresh());
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("complete", "reopen", "force-complete"), body(["version", "x"]), async (action, input) => {
        await expectHandled(await client.request("POST", `/tasks/${task.id}/${action}`, { body: input, invalid: true }), [200, 400, 409]);
      }),
      { numRuns: 25 },
    );
    const raw = fc.oneof(fc.string({ maxLength: 80 }), fc.uuid(), fc.base64String({ maxLength: 120 }), fc.constantFrom("-1", "0", "101", "1e309", "task", "subtask"));
    const query = (keys: string[]) => fc.array(fc.tuple(fc.constantFrom(...keys), raw), { maxLength: 3 }).map((pairs) => new URLSearchParams(pairs).toString());
    ({ client, task } = await fresh());
    await fc.assert(
      fc.asyncProperty(query(["entity_type", "entity_id", "limit", "cursor", "x"]), async (q) => {
        await expectHandled(await client.request("GET", `/activity?${q}`, { invalid: true }), [200, 400]);
      }),
      { numRuns: 25 },
    );
    ({ client, task } = await fresh());
    await fc.assert(
      fc.asyncProperty(query(["limit", "cursor", "x"]), async (q) => {
        await expectHandled(await client.request("GET", `/tasks/${task.id}/history?${q}`, { invalid: true }), [200, 400]);
      }),
      { numRuns: 25 },
    );
    ({ client, task } = await fresh());
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 80 }), async (name) => {
        // "." and ".." are dot segments: URL parsing removes them (even as %2E), so the request names
        // `/tags/` (no DELETE there: 405) or `/` (404).
        const dotSegment = name === "." || name === "..";
        await expectHandled(await client.request("DELETE", `/tags/${encodeURIComponent(name)}`, { invalid: true }), dotSegment ? [404, 405] : [204, 400, 404]);
      }),
      { numRuns: 25 },
    );
  });
});
