import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { createSubtask, createTask, dbRows, expectData, getTask, inDays, newClient, sql, type TaskJson } from "../../support/factories";

describe("tasks – happy paths (docs/tasks.md)", () => {
  it("creates a task with defaults, normalised tags, and reads it back with subtasks and reminders", async () => {
    const client = await newClient();
    const requestId = newRequestId("create");
    const now = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const due = new Date(Date.parse(now) + 3 * 86_400_000);
    const dueWithOffset = `${new Date(due.getTime() + 2 * 3_600_000).toISOString().slice(0, 19)}+02:00`;
    const response = await client.request("POST", "/tasks", {
      requestId,
      body: { title: "  Write the report  ", tags: [" Work ", "work", "Q1"], due_date: dueWithOffset },
      headers: { "X-Test-Now": now },
    });
    const task = await expectData<TaskJson>(response, 201);
    expect(task).toMatchObject({
      title: "Write the report",
      description: "",
      priority: "medium",
      tags: ["q1", "work"],
      due_date: due.toISOString(),
      completed: false,
      completed_by: null,
      version: 1,
      subtask_count: 0,
      created_at: now,
    });
    expect(await roundTrips(requestId)).toBe(2);

    const getId = newRequestId("get");
    const detail = await expectData<TaskJson & { subtasks: unknown[]; reminders: unknown[] }>(await client.request("GET", `/tasks/${task.id}`, { requestId: getId }));
    expect(detail).toEqual({ ...task, subtasks: [], reminders: [] });
    expect(await roundTrips(getId)).toBe(1);

    const [activity] = await dbRows<{ action: string; actor: string; request_id: string }>(
      sql`select action, actor, request_id from activity_log where entity_id = ${task.id}`,
    );
    expect(activity).toEqual({ action: "created", actor: "user", request_id: requestId });
  });

  it("patches fields (omitted unchanged, null clears), bumps the version and records a diff", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "Old", estimated_duration: 30, priority: "low", tags: ["a"] });
    const requestId = newRequestId("patch");
    const updated = await expectData<TaskJson>(
      await client.request("PATCH", `/tasks/${task.id}`, { requestId, body: { title: "New", estimated_duration: null, tags: ["b"], version: 1 } }),
    );
    expect(updated).toMatchObject({ title: "New", estimated_duration: null, priority: "low", tags: ["b"], version: 2 });
    expect(await roundTrips(requestId)).toBe(2);
    const [entry] = await dbRows<{ changes: Record<string, unknown> }>(
      sql`select changes from activity_log where entity_id = ${task.id} and action = 'updated'`,
    );
    expect(entry?.changes).toEqual({
      title: { from: "Old", to: "New" },
      estimated_duration: { from: 30, to: null },
      tags: { from: ["a"], to: ["b"] },
    });
    // If-Match works as well as the body field.
    const viaHeader = await client.request("PATCH", `/tasks/${task.id}`, { body: { priority: "high" }, headers: { "If-Match": '"2"' } });
    expect((await expectData<TaskJson>(viaHeader)).version).toBe(3);
  });

  it("a PATCH that changes nothing keeps the version", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "Same" });
    const same = await expectData<TaskJson>(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "Same", version: 1 } }));
    expect(same.version).toBe(1);
  });

  it("completes, reopens and force-completes with the completion envelope", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const requestId = newRequestId("complete");
    const at = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
    const done = await expectData<{ task: TaskJson; unlocked_achievements: unknown[]; next_instance: unknown }>(
      await client.request("POST", `/tasks/${task.id}/complete`, { requestId, headers: { "X-Test-Now": at } }),
    );
    expect(done).toMatchObject({ task: { completed: true, completed_by: "manual", completed_at: at, version: 2 }, unlocked_achievements: [], next_instance: null });
    expect(await roundTrips(requestId)).toBe(2);

    const reopened = await expectData<{ task: TaskJson }>(await client.request("POST", `/tasks/${task.id}/reopen`, { body: { version: 2 } }));
    expect(reopened.task).toMatchObject({ completed: false, completed_at: null, completed_by: null, version: 3 });

    const first = await createSubtask(client, task.id, "one");
    await createSubtask(client, task.id, "two");
    const forced = await expectData<{ task: TaskJson }>(await client.request("POST", `/tasks/${task.id}/force-complete`));
    expect(forced.task).toMatchObject({ completed: true, completed_by: "force", subtask_count: 2, subtasks_completed: 2 });
    const detail = await getTask(client, task.id);
    expect(detail.subtasks.map((s) => [s.id === first.id, s.completed])).toEqual([[true, true], [false, true]]);
  });

  it("archives (read-only) and un-archives", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const archived = await expectData<TaskJson>(await client.request("PATCH", `/tasks/${task.id}`, { body: { archived: true, version: 1 } }));
    expect(archived.archived).toBe(true);
    const restored = await expectData<TaskJson>(await client.request("PATCH", `/tasks/${task.id}`, { body: { archived: false, title: "Back", version: 2 } }));
    expect(restored).toMatchObject({ archived: false, title: "Back", version: 3 });
  });

  it("keeps the pending relative reminders in step with the due date", async () => {
    const client = await newClient();
    const due = inDays(10);
    const task = await createTask(client, { due_date: due });
    await dbRows(sql`insert into reminders (user_id, task_id, kind, offset_minutes, remind_at) values
      (${client.userId}, ${task.id}, 'relative', -60, ${due}::timestamptz - interval '1 hour')`);
    const moved = inDays(12);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { due_date: moved, version: 1 } }));
    const detail = await expectData<{ reminders: { remind_at: string }[] }>(await client.request("GET", `/tasks/${task.id}`));
    expect(detail.reminders.map((r) => r.remind_at)).toEqual([new Date(Date.parse(moved) - 3_600_000).toISOString()]);
  });
});
