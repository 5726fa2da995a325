import { describe, expect, it } from "vitest";
import { createSubtask, createTask, dbRows, expectData, getTask, inDays, newClient, sql, type TaskJson } from "../../support/factories";

type Entry = { action: string; entity_id: string; actor: string; changes: Record<string, unknown> };

describe("recovery and activity – happy paths (docs/recovery-and-activity.md)", () => {
  it("delete → tombstone listed → restore with the original ids, tags, notes and reminders", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "Precious", tags: ["keep"], due_date: inDays(5) });
    const sub = await createSubtask(client, task.id, "part");
    // A second, open subtask keeps the task open (ticking its only subtask would complete it, cancelling its reminders).
    const open = await createSubtask(client, task.id, "rest");
    await expectData(await client.request("PATCH", `/subtasks/${sub.id}`, { body: { completed: true, version: 1 } }));
    // Ticking the only subtask auto-completed the task, and a completed task's reminders are cancelled
    // (docs/reminders-notifications-realtime.md): reopen it so the future reminder comes back pending.
    await expectData(await client.request("POST", `/tasks/${task.id}/reopen`));
    const [note] = await dbRows<{ id: string }>(sql`insert into notes (user_id, task_id, content) values (${client.userId}, ${task.id}, 'a note') returning id`);
    await dbRows(sql`insert into reminders (user_id, task_id, kind, remind_at, status) values
      (${client.userId}, ${task.id}, 'absolute', ${inDays(2)}, 'pending'), (${client.userId}, ${task.id}, 'absolute', ${inDays(-1)}, 'pending')`);
    const before = await getTask(client, task.id);

    const deletion = await expectData<{ tombstone_id: string; entity_id: string; expires_at: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    expect(deletion.entity_id).toBe(task.id);
    expect((await client.request("GET", `/tasks/${task.id}`)).status).toBe(404);
    expect(await dbRows(sql`select count(*)::int as n from subtasks where task_id = ${task.id}`)).toEqual([{ n: 0 }]);
    const listed = (await (await client.request("GET", "/recovery")).json()) as { data: { id: string; title: string; subtask_count: number }[]; next_cursor: null };
    expect(listed).toMatchObject({ data: [{ id: deletion.tombstone_id, title: "Precious", subtask_count: 2 }], next_cursor: null });

    const restored = await expectData<{ task: TaskJson & { subtasks: { id: string; completed: boolean }[]; reminders: { status: string }[] } }>(
      await client.request("POST", `/recovery/${deletion.tombstone_id}/restore`),
    );
    expect(restored.task).toMatchObject({ id: task.id, title: "Precious", tags: ["keep"], version: before.version + 1, subtask_count: 2, subtasks_completed: 1 });
    expect(restored.task.subtasks).toMatchObject([
      { id: sub.id, completed: true },
      { id: open.id, completed: false },
    ]);
    expect(restored.task.reminders.map((r) => r.status).sort()).toEqual(["cancelled", "pending"]);
    const { updated_at: _u, version: _v, ...stable } = restored.task;
    const { updated_at: _bu, version: _bv, ...stableBefore } = await getTask(client, task.id);
    expect(stable).toEqual(stableBefore);
    expect(await dbRows(sql`select id, content from notes where task_id = ${task.id}`)).toEqual([{ id: note?.id, content: "a note" }]);
    expect(((await (await client.request("GET", "/recovery")).json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("history survives delete and restore; GET /activity filters by entity with a cursor", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "h" });
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "h2", version: 1 } }));
    await expectData(await client.request("POST", `/tasks/${task.id}/complete`));
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    const afterDelete = (await (await client.request("GET", `/tasks/${task.id}/history`)).json()) as { data: Entry[] };
    expect(afterDelete.data.map((e) => e.action)).toEqual(["created", "updated", "completed", "deleted"]);
    await expectData(await client.request("POST", `/recovery/${tombstone_id}/restore`));
    const history = (await (await client.request("GET", `/tasks/${task.id}/history?limit=2`)).json()) as { data: Entry[]; next_cursor: string };
    expect(history.data.map((e) => e.action)).toEqual(["created", "updated"]);
    expect(history.data[1]?.changes).toEqual({ title: { from: "h", to: "h2" } });
    const rest = (await (await client.request("GET", `/tasks/${task.id}/history?limit=10&cursor=${history.next_cursor}`)).json()) as { data: Entry[]; next_cursor: null };
    expect(rest).toMatchObject({ data: [{ action: "completed" }, { action: "deleted" }, { action: "restored" }], next_cursor: null });

    const other = await createTask(client, { title: "other" });
    const all = (await (await client.request("GET", "/activity?limit=3")).json()) as { data: Entry[]; next_cursor: string };
    expect(all.data[0]).toMatchObject({ action: "created", entity_id: other.id, actor: "user" });
    const onlyTask = (await (await client.request("GET", `/activity?entity_type=task&entity_id=${task.id}&limit=100`)).json()) as { data: Entry[] };
    expect(onlyTask.data.map((e) => e.action)).toEqual(["restored", "deleted", "completed", "updated", "created"]);
  });

  it("keeps the 3 most recent deletions: the 4th purges the oldest", async () => {
    const client = await newClient();
    const tombstones: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const task = await createTask(client, { title: `d${i}` });
      tombstones.push((await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`))).tombstone_id);
    }
    const listed = (await (await client.request("GET", "/recovery")).json()) as { data: { title: string }[] };
    expect(listed.data.map((t) => t.title)).toEqual(["d3", "d2", "d1"]);
    const expired = await client.request("POST", `/recovery/${tombstones[0]}/restore`);
    expect(expired.status).toBe(410);
  });
});
