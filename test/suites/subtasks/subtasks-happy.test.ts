import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { createSubtask, createTask, dbRows, expectData, getTask, newClient, sql, type SubtaskJson, type TaskJson } from "../../support/factories";

type Update = { subtask: SubtaskJson; task: TaskJson; unlocked_achievements: unknown[] };

describe("subtasks – happy paths (docs/tasks.md)", () => {
  it("adds subtasks in order and keeps the task's counters without changing its version", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const a = await createSubtask(client, task.id, "a");
    const b = await createSubtask(client, task.id, "b");
    expect([a.position, b.position]).toEqual([0, 1]);
    expect(a).toMatchObject({ task_id: task.id, completed: false, source: "user", version: 1 });
    const detail = await getTask(client, task.id);
    expect(detail).toMatchObject({ subtask_count: 2, subtasks_completed: 0, version: 1 });
    expect(detail.subtasks.map((s) => s.title)).toEqual(["a", "b"]);
  });

  it("completing the last open subtask auto-completes the task; reopening one reopens it", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const a = await createSubtask(client, task.id, "a");
    const b = await createSubtask(client, task.id, "b");
    const first = await expectData<Update>(await client.request("PATCH", `/subtasks/${a.id}`, { body: { completed: true, version: 1 } }));
    expect(first.task).toMatchObject({ completed: false, subtasks_completed: 1, version: 1 });
    const requestId = newRequestId("last");
    const last = await expectData<Update>(await client.request("PATCH", `/subtasks/${b.id}`, { body: { completed: true }, headers: { "If-Match": '"1"' }, requestId }));
    expect(last).toMatchObject({ subtask: { completed: true, version: 2 }, task: { completed: true, completed_by: "auto", subtasks_completed: 2, version: 2 }, unlocked_achievements: [] });
    expect(await roundTrips(requestId)).toBe(2);
    const reopened = await expectData<Update>(await client.request("PATCH", `/subtasks/${a.id}`, { body: { completed: false, version: 2 } }));
    expect(reopened.task).toMatchObject({ completed: false, completed_by: null, subtasks_completed: 1, version: 3 });
    const actions = await dbRows<{ action: string; entity_type: string }>(
      sql`select entity_type, action from activity_log where user_id = ${client.userId} and action in ('completed', 'reopened') order by created_at, id`,
    );
    expect(actions).toEqual([
      { entity_type: "subtask", action: "completed" },
      { entity_type: "subtask", action: "completed" },
      { entity_type: "task", action: "completed" },
      { entity_type: "subtask", action: "reopened" },
      { entity_type: "task", action: "reopened" },
    ]);
  });

  it("a manually completed task stays completed when a subtask is reopened", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const a = await createSubtask(client, task.id, "a");
    await expectData(await client.request("PATCH", `/subtasks/${a.id}`, { body: { completed: true, version: 1 } }));
    const done = await expectData<{ task: TaskJson }>(await client.request("POST", `/tasks/${task.id}/complete`));
    expect(done.task.completed_by).toBe("auto");
    const created = await createTask(client, { title: "manual" });
    const s = await createSubtask(client, created.id);
    await expectData(await client.request("POST", `/tasks/${created.id}/complete`));
    await expectData(await client.request("PATCH", `/subtasks/${s.id}`, { body: { completed: true, version: 1 } }));
    const after = await expectData<Update>(await client.request("PATCH", `/subtasks/${s.id}`, { body: { completed: false, version: 2 } }));
    expect(after.task).toMatchObject({ completed: true, completed_by: "manual" });
  });

  it("renames, reorders and deletes", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const a = await createSubtask(client, task.id, "a");
    const b = await createSubtask(client, task.id, "b");
    const c = await createSubtask(client, task.id, "c");
    const renamed = await expectData<Update>(await client.request("PATCH", `/subtasks/${b.id}`, { body: { title: "bee", version: 1 } }));
    expect(renamed.subtask).toMatchObject({ title: "bee", version: 2 });
    const ordered = await expectData<SubtaskJson[]>(await client.request("PUT", `/tasks/${task.id}/subtasks/order`, { body: { ids: [c.id, a.id, b.id] } }));
    expect(ordered.map((s) => [s.title, s.position])).toEqual([["c", 0], ["a", 1], ["bee", 2]]);
    expect((await getTask(client, task.id)).subtasks.map((s) => s.title)).toEqual(["c", "a", "bee"]);
    await expectData(await client.request("PATCH", `/subtasks/${a.id}`, { body: { completed: true, version: 1 } }));
    expect((await client.request("DELETE", `/subtasks/${a.id}`)).status).toBe(204);
    expect(await getTask(client, task.id)).toMatchObject({ subtask_count: 2, subtasks_completed: 0 });
  });
});
