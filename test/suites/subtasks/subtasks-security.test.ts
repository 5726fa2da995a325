import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { createSubtask, createTask, errorOf, getTask, newClient } from "../../support/factories";

describe("subtasks – security (docs/conventions.md#ownership)", () => {
  it("without a token → 401", async () => {
    const id = crypto.randomUUID();
    for (const [method, path] of [["POST", `/tasks/${id}/subtasks`], ["PATCH", `/subtasks/${id}`], ["DELETE", `/subtasks/${id}`], ["PUT", `/tasks/${id}/subtasks/order`]] as const) {
      expect((await call(`/api/v1${path}`, { method, body: method === "DELETE" ? undefined : {}, invalid: true })).status, `${method} ${path}`).toBe(401);
    }
  });

  it("another user's subtask ids cannot be reordered into my task", async () => {
    const owner = await newClient();
    const other = await newClient();
    const mine = await createTask(owner);
    const theirs = await createTask(other);
    const foreign = await createSubtask(other, theirs.id);
    // Not my task's subtasks: a stale-list 409 showing only my task's (empty) list – nothing of theirs leaks.
    const response = await owner.request("PUT", `/tasks/${mine.id}/subtasks/order`, { body: { ids: [foreign.id] } });
    expect(await errorOf(response)).toMatchObject({ status: 409, code: "VERSION_CONFLICT", details: { current: [] } });
    expect((await getTask(other, theirs.id)).subtasks).toMatchObject([{ id: foreign.id, position: 0 }]);
  });

  it("property: any subtask PATCH body is 200, 400 VALIDATION_ERROR or 409 – never 500", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const s = await createSubtask(client, task.id);
    const field = fc.constantFrom("title", "completed", "version", "position", "task_id", "source");
    const value = fc.oneof(fc.string({ maxLength: 250 }), fc.integer({ min: -(2 ** 35), max: 2 ** 35 }), fc.boolean(), fc.constant(null), fc.array(fc.integer()), fc.double());
    await fc.assert(
      fc.asyncProperty(fc.dictionary(field, value, { maxKeys: 3 }), async (patch) => {
        const response = await client.request("PATCH", `/subtasks/${s.id}`, { body: patch, invalid: true });
        expect([200, 400, 409]).toContain(response.status);
        if (response.status === 400) expect(((await response.json()) as { error: { code: string } }).error.code).toBe("VALIDATION_ERROR");
      }),
      { numRuns: 40 },
    );
  });
});
