import { beforeAll, describe, expect, it } from "vitest";
import { testDb } from "../../support/auth";
import { injectFault, roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { createSubtask, createTask, dbRows, expectData, newClient, sql, type TaskJson } from "../../support/factories";

/**
 * A statement in the middle of a write's batch fails for real (not a refused connection): a test-only
 * trigger makes the activity-log INSERT – the last statement of every write batch – raise for request ids
 * starting with `atomic-fail-`. Everything before it in the batch must be rolled back.
 */
beforeAll(async () => {
  await testDb().execute(sql`
    create or replace function test_fail_marked_activity() returns trigger language plpgsql as $$
    begin
      if new.request_id like 'atomic-fail-%' then raise exception 'injected failure inside the batch'; end if;
      return new;
    end $$`);
  await testDb().execute(sql`drop trigger if exists test_fail_marked_activity on activity_log`);
  await testDb().execute(sql`create trigger test_fail_marked_activity before insert on activity_log
    for each row execute function test_fail_marked_activity()`);
});

const count = async (query: ReturnType<typeof sql>) => Number((await dbRows<{ n: string }>(query))[0]?.n ?? 0);

describe("tasks – concurrency (docs/conventions.md#optimistic-locking, docs/tasks.md, docs/operations.md SC-006)", () => {
  it("20 parallel PATCHes with the same version: exactly 1 succeeds, 19 VERSION_CONFLICT with the winner's task", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, i) => client.request("PATCH", `/tasks/${task.id}`, { body: { title: `writer ${i}`, version: 1 } })),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const winner = await expectData<TaskJson>(responses[statuses.indexOf(200)] as Response);
    const conflict = (await (responses[statuses.indexOf(409)] as Response).json()) as { error: { code: string; details: { current: TaskJson } } };
    expect(conflict.error.code).toBe("VERSION_CONFLICT");
    expect(conflict.error.details.current).toMatchObject({ title: winner.title, version: 2 });
    expect(await count(sql`select count(*) as n from activity_log where entity_id = ${task.id} and action = 'updated'`)).toBe(1);
  });

  it("60 parallel creates against a limit of 50 → exactly 50 tasks", async () => {
    const client = await newClient();
    const responses = await Promise.all(Array.from({ length: 60 }, (_, i) => client.request("POST", "/tasks", { body: { title: `parallel ${i}` } })));
    const statuses = responses.map((r) => r.status);
    const unexpected = responses.find((r) => r.status !== 201 && r.status !== 409);
    if (unexpected) throw new Error(`${unexpected.status} ${await unexpected.text()}`);
    expect(statuses.filter((s) => s === 201)).toHaveLength(50);
    expect(statuses.filter((s) => s === 409)).toHaveLength(10);
    expect(await count(sql`select count(*) as n from task_instances where user_id = ${client.userId}`)).toBe(50);
  });

  it("a delete racing an update never restores a task without an acknowledged update", async () => {
    const client = await newClient({ tier: "pro" });
    for (let round = 0; round < 6; round += 1) {
      const task = await createTask(client, { title: "before" });
      const [update, removal] = await Promise.all([
        client.request("PATCH", `/tasks/${task.id}`, { body: { title: "after", version: 1 } }),
        client.request("DELETE", `/tasks/${task.id}`),
      ]);
      expect(removal.status).toBe(200);
      const { tombstone_id } = await expectData<{ tombstone_id: string }>(removal);
      const restored = await expectData<{ task: TaskJson }>(await client.request("POST", `/recovery/${tombstone_id}/restore`));
      if (update.status === 200) expect(restored.task.title).toBe("after");
      else expect([404, 409]).toContain(update.status);
    }
  });

  it("completing the last two subtasks in parallel auto-completes the task exactly once", async () => {
    const client = await newClient({ tier: "pro" });
    for (let round = 0; round < 3; round += 1) {
      const task = await createTask(client);
      const a = await createSubtask(client, task.id, "a");
      const b = await createSubtask(client, task.id, "b");
      const responses = await Promise.all([a, b].map((s) => client.request("PATCH", `/subtasks/${s.id}`, { body: { completed: true, version: 1 } })));
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      const results = await Promise.all(responses.map((r) => r.json() as Promise<{ data: { task: TaskJson } }>));
      expect(results.filter((r) => r.data.task.completed)).toHaveLength(1);
      const [row] = await dbRows<{ completed: boolean; completed_by: string; subtasks_completed: number }>(
        sql`select completed, completed_by, subtasks_completed from task_instances where id = ${task.id}`,
      );
      expect(row).toEqual({ completed: true, completed_by: "auto", subtasks_completed: 2 });
      expect(await count(sql`select count(*) as n from activity_log where entity_id = ${task.id} and action = 'completed'`)).toBe(1);
    }
  });
});

describe("tasks – atomicity and round trips (docs/conventions.md#nothing-is-lost, docs/recovery-and-activity.md; ARCHITECTURE budget)", () => {
  it("create, complete, delete and restore stay within 2 round trips; list and get take 1", async () => {
    const client = await newClient();
    const ids = { create: newRequestId("rt"), patch: newRequestId("rt"), complete: newRequestId("rt"), remove: newRequestId("rt"), restore: newRequestId("rt"), list: newRequestId("rt"), get: newRequestId("rt") };
    const task = await expectData<TaskJson>(await client.request("POST", "/tasks", { body: { title: "rt", tags: ["a", "b"] }, requestId: ids.create }), 201);
    await createSubtask(client, task.id);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "rt2", tags: ["c"], version: 1 }, requestId: ids.patch }));
    await expectData(await client.request("POST", `/tasks/${task.id}/complete`, { requestId: ids.complete }));
    await expectData(await client.request("GET", "/tasks?completed=true&tags=c", { requestId: ids.list }));
    await expectData(await client.request("GET", `/tasks/${task.id}`, { requestId: ids.get }));
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`, { requestId: ids.remove }));
    await expectData(await client.request("POST", `/recovery/${tombstone_id}/restore`, { requestId: ids.restore }));
    for (const [name, id] of Object.entries(ids)) {
      // Exact counts: a request that lost its tagging would count 0 and fail too.
      expect(await roundTrips(id), name).toBe(name === "list" || name === "get" ? 1 : 2);
    }
  });

  it("a failure inside the create batch leaves no task, no tags and no idempotency record", async () => {
    const client = await newClient();
    const key = crypto.randomUUID();
    const response = await client.request("POST", "/tasks", { body: { title: "doomed", tags: ["doomed-tag"] }, requestId: `atomic-fail-${crypto.randomUUID()}`, key });
    expect(response.status).toBe(500);
    expect(await count(sql`select count(*) as n from task_instances where user_id = ${client.userId}`)).toBe(0);
    expect(await count(sql`select count(*) as n from tags where user_id = ${client.userId}`)).toBe(0);
    expect(await count(sql`select count(*) as n from idempotency_records where user_id = ${client.userId} and key = ${key}`)).toBe(0);
    // The same key works afterwards: the failed attempt left nothing to replay.
    expect((await client.request("POST", "/tasks", { body: { title: "doomed", tags: ["doomed-tag"] }, key })).status).toBe(201);
  });

  it("a failure inside the complete / delete / restore batches leaves no partial rows", async () => {
    const client = await newClient();
    const task = await createTask(client);
    await createSubtask(client, task.id);
    const fail = () => `atomic-fail-${crypto.randomUUID()}`;

    expect((await client.request("POST", `/tasks/${task.id}/force-complete`, { requestId: fail() })).status).toBe(500);
    expect(await dbRows(sql`select completed, version from task_instances where id = ${task.id}`)).toEqual([{ completed: false, version: 1 }]);
    expect(await count(sql`select count(*) as n from subtasks where task_id = ${task.id} and completed`)).toBe(0);

    expect((await client.request("DELETE", `/tasks/${task.id}`, { requestId: fail() })).status).toBe(500);
    expect(await count(sql`select count(*) as n from task_instances where id = ${task.id}`)).toBe(1);
    expect(await count(sql`select count(*) as n from deletion_tombstones where entity_id = ${task.id}`)).toBe(0);

    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    expect((await client.request("POST", `/recovery/${tombstone_id}/restore`, { requestId: fail() })).status).toBe(500);
    expect(await count(sql`select count(*) as n from task_instances where id = ${task.id}`)).toBe(0);
    expect(await count(sql`select count(*) as n from subtasks where task_id = ${task.id}`)).toBe(0);
    expect(await dbRows(sql`select restored_at from deletion_tombstones where id = ${tombstone_id}`)).toEqual([{ restored_at: null }]);
  });

  it("a lost response after the commit: the retry replays it and nothing happens twice", async () => {
    const client = await newClient();
    const requestId = newRequestId("lost");
    const key = crypto.randomUUID();
    await injectFault({ mode: "after_commit", request_id: requestId, match: "insert into task_instances", times: 1 });
    const first = await client.request("POST", "/tasks", { body: { title: "once" }, requestId, key });
    expect(first.status).toBeGreaterThanOrEqual(500);
    const retry = await client.request("POST", "/tasks", { body: { title: "once" }, key });
    expect(retry.status).toBe(201);
    expect(retry.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await count(sql`select count(*) as n from task_instances where user_id = ${client.userId}`)).toBe(1);
  });
});
