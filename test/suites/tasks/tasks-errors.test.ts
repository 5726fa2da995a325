import { describe, expect, it } from "vitest";
import { createTask, errorOf, expectData, inDays, newClient, seedOpenTasks, type TaskJson } from "../../support/factories";

describe("tasks – errors (docs/tasks.md, docs/errors.md)", () => {
  it("stale version → 409 VERSION_CONFLICT with the current task; a missing version → 400", async () => {
    const client = await newClient();
    const task = await createTask(client);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "v2", version: 1 } }));
    const stale = await errorOf(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "v3", version: 1 } }));
    expect(stale).toMatchObject({ status: 409, code: "VERSION_CONFLICT", details: { current: { id: task.id, title: "v2", version: 2 } } });
    // "version in the body or If-Match, and they agree" is beyond JSON Schema: invalid on purpose.
    expect(await errorOf(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "x" }, invalid: true }))).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    expect(await errorOf(await client.request("PATCH", `/tasks/${task.id}`, { body: { version: 2 }, headers: { "If-Match": '"1"' }, invalid: true }))).toMatchObject({ status: 400 });
  });

  it("If-Match is an entity tag (weak or bare tolerated); unbalanced quotes or two versions are 400 on header.if-match", async () => {
    const client = await newClient();
    const task = await createTask(client);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "strong" }, headers: { "If-Match": '"1"' } }));
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "weak" }, headers: { "If-Match": 'W/"2"' } }));
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "bare" }, headers: { "If-Match": " 3 " } }));
    // Outside the published pattern, so invalid on purpose; each is refused before anything is read or written.
    for (const malformed of ['"4', '4"', 'W/4', '"4""', '"4", "5"', 'W/"4']) {
      const refused = await errorOf(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "no" }, headers: { "If-Match": malformed }, invalid: true }));
      expect(refused, malformed).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [{ field: "header.if-match" }] });
    }
    const after = await expectData<TaskJson>(await client.request("GET", `/tasks/${task.id}`));
    expect(after).toMatchObject({ title: "bare", version: 4 });
  });

  it("archived tasks are read-only except un-archiving and deleting", async () => {
    const client = await newClient();
    const task = await createTask(client);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { archived: true, version: 1 } }));
    expect(await errorOf(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "no", version: 2 } }))).toMatchObject({ status: 409, code: "TASK_ARCHIVED" });
    expect(await errorOf(await client.request("POST", `/tasks/${task.id}/complete`))).toMatchObject({ status: 409, code: "TASK_ARCHIVED" });
    expect(await errorOf(await client.request("POST", `/tasks/${task.id}/subtasks`, { body: { title: "s" } }))).toMatchObject({ status: 409, code: "TASK_ARCHIVED" });
    expect((await client.request("DELETE", `/tasks/${task.id}`)).status).toBe(200);
  });

  it("free tier: 50 active tasks → 409 LIMIT_EXCEEDED {limit, current}; pro is unlimited", async () => {
    const free = await newClient();
    await seedOpenTasks(free.userId, 50);
    const refused = await errorOf(await free.request("POST", "/tasks", { body: { title: "51st" } }));
    expect(refused).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED", details: { limit: 50, current: 50 } });
    const pro = await newClient({ tier: "pro" });
    await seedOpenTasks(pro.userId, 60);
    await createTask(pro, { title: "61st", description: "x".repeat(2000), due_date: inDays(365) });
  });

  it("reopening at the limit is refused, completing frees a slot", async () => {
    const client = await newClient();
    const task = await createTask(client);
    await expectData(await client.request("POST", `/tasks/${task.id}/complete`));
    await seedOpenTasks(client.userId, 50);
    expect(await errorOf(await client.request("POST", `/tasks/${task.id}/reopen`))).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED" });
  });

  it("per-plan field rules: description length and due-date horizon → 400 naming the field", async () => {
    const client = await newClient();
    // Per-plan rules are beyond the document's schema (it states the Pro maximum): invalid on purpose.
    const long = await errorOf(await client.request("POST", "/tasks", { body: { title: "t", description: "x".repeat(1001) }, invalid: true }));
    expect(long).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [{ field: "description" }] });
    const far = await errorOf(await client.request("POST", "/tasks", { body: { title: "t", due_date: inDays(31) }, invalid: true }));
    expect(far).toMatchObject({ status: 400, details: [{ field: "due_date" }] });
    const task = await createTask(client, { due_date: inDays(29) });
    expect(await errorOf(await client.request("PATCH", `/tasks/${task.id}`, { body: { due_date: inDays(40), version: 1 }, invalid: true }))).toMatchObject({ status: 400 });
  });

  it("tags: at most 10, each 1–50 characters after trimming, no commas", async () => {
    const client = await newClient();
    const eleven = Array.from({ length: 11 }, (_, i) => `t${i}`);
    expect((await client.request("POST", "/tasks", { body: { title: "t", tags: eleven }, invalid: true })).status).toBe(400);
    expect((await client.request("POST", "/tasks", { body: { title: "t", tags: ["   "] }, invalid: true })).status).toBe(400);
    expect((await client.request("POST", "/tasks", { body: { title: "t", tags: ["a,b"] }, invalid: true })).status).toBe(400);
    expect((await client.request("POST", "/tasks", { body: { title: "t", tags: ["x".repeat(51)] }, invalid: true })).status).toBe(400);
    // Padding beyond the documented maxLength 50 is trimmed away by the server: outside the document on purpose.
    const padded = await client.request("POST", "/tasks", { body: { title: "A task", tags: ["  " + "x".repeat(50) + "  "] }, invalid: true });
    const ok = await expectData<TaskJson>(padded, 201);
    expect(ok.tags).toEqual(["x".repeat(50)]);
  });

  it("completing a completed task changes nothing; an idempotent retry replays the first answer", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const key = crypto.randomUUID();
    const first = await client.request("POST", `/tasks/${task.id}/complete`, { key });
    const firstBody = await first.text();
    const replay = await client.request("POST", `/tasks/${task.id}/complete`, { key });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.text()).toBe(firstBody);
    const again = await expectData<{ task: TaskJson }>(await client.request("POST", `/tasks/${task.id}/complete`));
    expect(again.task.version).toBe(2);
  });
});
