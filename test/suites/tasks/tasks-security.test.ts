import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { createSubtask, createTask, errorOf, getTask, newClient } from "../../support/factories";

const SOME_ID = "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b";

/** Every operation of issue 5 (docs/tasks.md, docs/recovery-and-activity.md). */
const OPERATIONS: [string, string][] = [
  ["GET", "/tasks"],
  ["POST", "/tasks"],
  ["GET", `/tasks/${SOME_ID}`],
  ["PATCH", `/tasks/${SOME_ID}`],
  ["DELETE", `/tasks/${SOME_ID}`],
  ["POST", `/tasks/${SOME_ID}/complete`],
  ["POST", `/tasks/${SOME_ID}/reopen`],
  ["POST", `/tasks/${SOME_ID}/force-complete`],
  ["GET", `/tasks/${SOME_ID}/history`],
  ["POST", `/tasks/${SOME_ID}/subtasks`],
  ["PUT", `/tasks/${SOME_ID}/subtasks/order`],
  ["PATCH", `/subtasks/${SOME_ID}`],
  ["DELETE", `/subtasks/${SOME_ID}`],
  ["GET", "/tags"],
  ["DELETE", "/tags/work"],
  ["GET", "/recovery"],
  ["POST", `/recovery/${SOME_ID}/restore`],
  ["GET", "/activity"],
];

/** Any status but a 5xx, and every 400 is VALIDATION_ERROR (docs/errors.md): bad input never becomes a 500. */
async function expectHandled(response: Response, allowed: number[]): Promise<void> {
  const text = await response.text();
  expect(allowed, `${response.status} ${text}`).toContain(response.status);
  if (response.status === 400) expect(JSON.parse(text).error.code).toBe("VALIDATION_ERROR");
}

describe("tasks – security (docs/conventions.md#ownership, docs/identity.md)", () => {
  it("every operation without a token → 401 UNAUTHORIZED", async () => {
    for (const [method, path] of OPERATIONS) {
      const response = await call(`/api/v1${path}`, {
        method,
        headers: { "Idempotency-Key": crypto.randomUUID() },
        body: method === "GET" || method === "DELETE" ? undefined : {},
        invalid: true,
      });
      expect(response.status, `${method} ${path}`).toBe(401);
      expect((await errorOf(response)).code).toBe("UNAUTHORIZED");
    }
  });

  it("another user's task and subtask → 404 everywhere, and nothing changes", async () => {
    const owner = await newClient();
    const intruder = await newClient();
    const task = await createTask(owner, { title: "Mine", tags: ["private"] });
    const subtask = await createSubtask(owner, task.id);
    const attempts: [string, string, unknown][] = [
      ["GET", `/tasks/${task.id}`, undefined],
      ["PATCH", `/tasks/${task.id}`, { title: "Stolen", version: 1 }],
      ["POST", `/tasks/${task.id}/complete`, {}],
      ["POST", `/tasks/${task.id}/reopen`, {}],
      ["POST", `/tasks/${task.id}/force-complete`, {}],
      ["GET", `/tasks/${task.id}/history`, undefined],
      ["POST", `/tasks/${task.id}/subtasks`, { title: "x" }],
      ["PUT", `/tasks/${task.id}/subtasks/order`, { ids: [subtask.id] }],
      ["PATCH", `/subtasks/${subtask.id}`, { completed: true, version: 1 }],
      ["DELETE", `/subtasks/${subtask.id}`, undefined],
      ["DELETE", `/tasks/${task.id}`, undefined],
      ["DELETE", "/tags/private", undefined],
    ];
    for (const [method, path, body] of attempts) {
      const response = await intruder.request(method, path, { body });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const after = await getTask(owner, task.id);
    expect(after).toMatchObject({ title: "Mine", version: 1, completed: false, tags: ["private"], subtask_count: 1 });
    expect(after.subtasks).toMatchObject([{ id: subtask.id, completed: false, version: 1 }]);
    const theirs = (await (await intruder.request("GET", "/tasks")).json()) as { data: unknown[] };
    expect(theirs.data).toEqual([]);
  });

  it("malformed ids → 400 VALIDATION_ERROR, never a database error", async () => {
    const client = await newClient();
    for (const id of ["not-a-uuid", "1", "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6", "%27%20or%201=1--"]) {
      await expectHandled(await client.request("GET", `/tasks/${id}`, { invalid: true }), [400]);
      await expectHandled(await client.request("PATCH", `/subtasks/${id}`, { body: { version: 1 }, invalid: true }), [400]);
      await expectHandled(await client.request("POST", `/recovery/${id}/restore`, { invalid: true }), [400]);
    }
  });

  it("property: any create body is 201, 400 VALIDATION_ERROR or 409 – never 500", async () => {
    const client = await newClient({ tier: "pro" });
    const value = fc.oneof(fc.string({ maxLength: 300 }), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 60 }), { maxLength: 12 }));
    const body = fc.record(
      {
        title: fc.oneof(fc.string({ maxLength: 250 }), value),
        description: fc.oneof(fc.string({ maxLength: 2100 }), value),
        priority: fc.oneof(fc.constantFrom("low", "medium", "high", "urgent", ""), value),
        due_date: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), value),
        estimated_duration: fc.oneof(fc.integer({ min: -1000, max: 100000 }), fc.constant(1e308), value),
        tags: fc.oneof(fc.array(fc.string({ maxLength: 60 }), { maxLength: 12 }), value),
        hidden: value,
        [`x${"_"}`]: value,
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(body, async (input) => {
        await expectHandled(await client.request("POST", "/tasks", { body: input, invalid: true }), [201, 400, 409]);
      }),
      { numRuns: 40 },
    );
  });

  it("property: any PATCH body and any list query are handled – never 500", async () => {
    const client = await newClient({ tier: "pro" });
    const task = await createTask(client);
    const field = fc.constantFrom("title", "description", "priority", "due_date", "estimated_duration", "tags", "hidden", "archived", "version", "completed", "id");
    const value = fc.oneof(fc.string({ maxLength: 220 }), fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.boolean(), fc.constant(null), fc.array(fc.string({ maxLength: 55 })), fc.object());
    await fc.assert(
      fc.asyncProperty(fc.dictionary(field, value, { maxKeys: 4 }), async (patch) => {
        await expectHandled(await client.request("PATCH", `/tasks/${task.id}`, { body: patch, invalid: true }), [200, 400, 409]);
      }),
      { numRuns: 30 },
    );
    const param = fc.constantFrom("completed", "priority", "tags", "q", "due_before", "due_after", "template_id", "hidden", "archived", "sort", "order", "limit", "cursor", "unknown");
    const raw = fc.oneof(fc.string({ maxLength: 80 }), fc.integer({ min: -1e9, max: 1e9 }).map(String), fc.base64String({ maxLength: 120 }), fc.constantFrom("true", "false", "-1", "0", "101", "1e309", "eyJzIjoiY3JlYXRlZF9hdCJ9"));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(param, raw), { maxLength: 4 }), async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        await expectHandled(await client.request("GET", `/tasks?${query}`, { invalid: true }), [200, 400]);
      }),
      { numRuns: 30 },
    );
  });

  it("tampered cursors → 400", async () => {
    const client = await newClient();
    for (let i = 0; i < 3; i += 1) await createTask(client);
    const page = (await (await client.request("GET", "/tasks?limit=1")).json()) as { next_cursor: string };
    const decoded = JSON.parse(atob(page.next_cursor.replaceAll("-", "+").replaceAll("_", "/")));
    const forge = (value: unknown) => btoa(JSON.stringify(value)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    const tampered = [
      forge({ ...decoded, k: ["'; drop table tasks; --"] }),
      forge({ ...decoded, id: "x" }),
      forge({ ...decoded, s: "priority" }),
      forge({ ...decoded, extra: 1 }),
      forge("just a string"),
      "%%%",
      page.next_cursor.slice(0, -3),
    ];
    for (const cursor of tampered) {
      await expectHandled(await client.request("GET", `/tasks?limit=1&cursor=${encodeURIComponent(cursor)}`, { invalid: true }), [400]);
    }
    await expectHandled(await client.request("GET", `/tasks?limit=1&cursor=${page.next_cursor}`), [200]);
  });
});

