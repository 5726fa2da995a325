import { describe, expect, it } from "vitest";
import { createSubtask, createTask, errorOf, expectData, newClient } from "../../support/factories";

describe("subtasks – errors (docs/tasks.md, docs/errors.md)", () => {
  it("per-task limit: free 4, pro 10 → 409 LIMIT_EXCEEDED; exact under parallel creates", async () => {
    const free = await newClient();
    const task = await createTask(free);
    const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => free.request("POST", `/tasks/${task.id}/subtasks`, { body: { title: `s${i}` } })));
    expect(responses.filter((r) => r.status === 201)).toHaveLength(4);
    const refused = responses.find((r) => r.status === 409);
    expect(await errorOf(refused as Response)).toMatchObject({ code: "LIMIT_EXCEEDED", details: { limit: 4 } });
    const pro = await newClient({ tier: "pro" });
    const proTask = await createTask(pro);
    for (let i = 0; i < 10; i += 1) await createSubtask(pro, proTask.id, `p${i}`);
    expect(await errorOf(await pro.request("POST", `/tasks/${proTask.id}/subtasks`, { body: { title: "11th" } }))).toMatchObject({ code: "LIMIT_EXCEEDED", details: { limit: 10, current: 10 } });
  });

  it("stale version → 409 with the current subtask; missing version → 400; unknown fields → 400", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const s = await createSubtask(client, task.id);
    await expectData(await client.request("PATCH", `/subtasks/${s.id}`, { body: { title: "v2", version: 1 } }));
    expect(await errorOf(await client.request("PATCH", `/subtasks/${s.id}`, { body: { title: "v3", version: 1 } }))).toMatchObject({
      status: 409,
      code: "VERSION_CONFLICT",
      details: { current: { id: s.id, title: "v2", version: 2 } },
    });
    // A missing version (body or If-Match) is beyond JSON Schema; the unknown field is off-document too: invalid on purpose.
    expect((await client.request("PATCH", `/subtasks/${s.id}`, { body: { title: "x" }, invalid: true })).status).toBe(400);
    expect(await errorOf(await client.request("PATCH", `/subtasks/${s.id}`, { body: { position: 3, version: 2 }, invalid: true }))).toMatchObject({ status: 400, details: [{ field: "position", reason: "Unknown field." }] });
  });

  it("reorder: an id twice is 400; a list other than the current subtasks is 409 with the current list", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const a = await createSubtask(client, task.id, "a");
    const b = await createSubtask(client, task.id, "b");
    // "each id once" is beyond JSON Schema: invalid on purpose.
    const twice = await client.request("PUT", `/tasks/${task.id}/subtasks/order`, { body: { ids: [a.id, a.id] }, invalid: true });
    expect(await errorOf(twice)).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [{ field: "ids", reason: "Lists a subtask more than once." }] });
    for (const ids of [[a.id], [b.id, a.id, crypto.randomUUID()], [b.id, crypto.randomUUID()]]) {
      const stale = await errorOf(await client.request("PUT", `/tasks/${task.id}/subtasks/order`, { body: { ids } }));
      expect(stale).toMatchObject({ status: 409, code: "VERSION_CONFLICT" });
      expect((stale.details as { current: { id: string }[] }).current.map((subtask) => subtask.id)).toEqual([a.id, b.id]);
    }
  });

  it("subtasks of an archived task are read-only", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const s = await createSubtask(client, task.id);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { archived: true, version: 1 } }));
    expect((await errorOf(await client.request("PATCH", `/subtasks/${s.id}`, { body: { completed: true, version: 1 } }))).code).toBe("TASK_ARCHIVED");
    expect((await errorOf(await client.request("DELETE", `/subtasks/${s.id}`))).code).toBe("TASK_ARCHIVED");
    expect((await errorOf(await client.request("PUT", `/tasks/${task.id}/subtasks/order`, { body: { ids: [s.id] } }))).code).toBe("TASK_ARCHIVED");
  });
});
