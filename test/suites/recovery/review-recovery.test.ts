import { describe, expect, it } from "vitest";
import { clientAt, createSubtask, createTask, dbRows, errorOf, expectData, getTask, inDays, newClient, sql, type TaskJson } from "../../support/factories";

/**
 * Review of issue 5 (docs/recovery-and-activity.md): the restore answer is the task as GET shows it afterwards (reminders in
 * GET's order, whatever their ids), expiry is exact at 7 days, restores of one tombstone in parallel
 * succeed once, and another user's task ids never reach a tombstone.
 */
describe("recovery – review", () => {
  it("the restore response equals GET /tasks/{id} after it (reminder order independent of ids)", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "ordered", due_date: inDays(5) });
    // The id order is the reverse of the remind_at order, so only a remind_at ordering matches GET.
    await dbRows(sql`insert into reminders (id, user_id, task_id, kind, remind_at, status) values
      ('ffffffff-ffff-4fff-bfff-ffffffffffff', ${client.userId}, ${task.id}, 'absolute', ${inDays(1)}, 'pending'),
      ('00000000-0000-4000-8000-000000000000', ${client.userId}, ${task.id}, 'absolute', ${inDays(3)}, 'pending')`);
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    const restored = await expectData<{ task: TaskJson & { reminders: { id: string }[] } }>(await client.request("POST", `/recovery/${tombstone_id}/restore`));
    expect(restored.task.reminders.map((r) => r.id)).toEqual(["ffffffff-ffff-4fff-bfff-ffffffffffff", "00000000-0000-4000-8000-000000000000"]);
    expect(restored.task).toEqual(await getTask(client, task.id));
  });

  it("7 days exactly: restorable just before expires_at, 410 at it", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const deletion = await expectData<{ tombstone_id: string; expires_at: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    const expiry = Date.parse(deletion.expires_at);
    expect(expiry - Date.now()).toBeGreaterThan(7 * 86_400_000 - 60_000);
    expect(expiry - Date.now()).toBeLessThanOrEqual(7 * 86_400_000);
    const atExpiry = await clientAt(client, new Date(expiry).toISOString());
    expect(await errorOf(await atExpiry.request("POST", `/recovery/${deletion.tombstone_id}/restore`))).toMatchObject({ status: 410, code: "TOMBSTONE_EXPIRED" });
    const justBefore = await clientAt(client, new Date(expiry - 1000).toISOString());
    expect((await justBefore.request("POST", `/recovery/${deletion.tombstone_id}/restore`)).status).toBe(200);
  });

  it("parallel restores of one tombstone: exactly one 200, the task exists once, one 'restored' entry", async () => {
    const client = await newClient();
    const task = await createTask(client);
    await createSubtask(client, task.id);
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    const responses = await Promise.all(Array.from({ length: 5 }, () => client.request("POST", `/recovery/${tombstone_id}/restore`)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    for (const status of statuses.filter((s) => s !== 200)) expect([404, 409]).toContain(status);
    expect(await dbRows(sql`select count(*)::int as n from subtasks where task_id = ${task.id}`)).toEqual([{ n: 1 }]);
    expect(await dbRows(sql`select count(*)::int as n from activity_log where entity_id = ${task.id} and action = 'restored'`)).toEqual([{ n: 1 }]);
  });

  it("a delete by another user writes no tombstone and no activity", async () => {
    const owner = await newClient();
    const intruder = await newClient();
    const task = await createTask(owner);
    expect((await intruder.request("DELETE", `/tasks/${task.id}`)).status).toBe(404);
    expect(await dbRows(sql`select count(*)::int as n from deletion_tombstones where entity_id = ${task.id}`)).toEqual([{ n: 0 }]);
    expect(await dbRows(sql`select count(*)::int as n from activity_log where user_id = ${intruder.userId}`)).toEqual([{ n: 0 }]);
  });
});
