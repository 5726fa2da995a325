import { describe, expect, it } from "vitest";
import { createSubtask, createTask, dbRows, expectData, getTask, newClient, sql } from "../../support/factories";

/**
 * Review of issue 5 (docs/tasks.md, docs/recovery-and-activity.md): parallel deletes of one subtask delete it once and log it once (no
 * activity for a change that did not happen); counters stay exact; another user's subtask writes leave
 * no trace in the activity log.
 */
describe("subtasks – review", () => {
  it("parallel DELETEs of one subtask: one 204, the rest 404, one 'deleted' entry, exact counters", async () => {
    const client = await newClient({ tier: "pro" });
    for (let round = 0; round < 4; round += 1) {
      const task = await createTask(client);
      const doomed = await createSubtask(client, task.id, "doomed");
      await createSubtask(client, task.id, "kept");
      await expectData(await client.request("PATCH", `/subtasks/${doomed.id}`, { body: { completed: true, version: 1 } }));
      const responses = await Promise.all(Array.from({ length: 3 }, () => client.request("DELETE", `/subtasks/${doomed.id}`)));
      const statuses = responses.map((r) => r.status);
      expect(statuses.filter((s) => s === 204), statuses.join()).toHaveLength(1);
      expect(statuses.filter((s) => s === 404), statuses.join()).toHaveLength(2);
      expect(await dbRows(sql`select count(*)::int as n from activity_log where entity_id = ${doomed.id} and action = 'deleted'`)).toEqual([{ n: 1 }]);
      expect(await getTask(client, task.id)).toMatchObject({ subtask_count: 1, subtasks_completed: 0 });
    }
  });

  it("another user's subtask PATCH/DELETE leaves no activity and no change", async () => {
    const owner = await newClient();
    const intruder = await newClient();
    const task = await createTask(owner);
    const sub = await createSubtask(owner, task.id);
    expect((await intruder.request("PATCH", `/subtasks/${sub.id}`, { body: { title: "mine now", version: 1 } })).status).toBe(404);
    expect((await intruder.request("DELETE", `/subtasks/${sub.id}`)).status).toBe(404);
    expect((await intruder.request("POST", `/tasks/${task.id}/subtasks`, { body: { title: "x" } })).status).toBe(404);
    expect(await dbRows(sql`select count(*)::int as n from activity_log where user_id = ${intruder.userId}`)).toEqual([{ n: 0 }]);
    expect((await getTask(owner, task.id)).subtasks).toMatchObject([{ id: sub.id, title: sub.title, version: 1 }]);
  });
});
