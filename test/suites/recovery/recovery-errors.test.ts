import { describe, expect, it } from "vitest";
import { clientAt, createTask, errorOf, expectData, inDays, newClient, seedOpenTasks } from "../../support/factories";

describe("recovery – errors (docs/recovery-and-activity.md, docs/errors.md)", () => {
  it("past 7 days → 410 TOMBSTONE_EXPIRED", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    const later = await clientAt(client, inDays(8));
    expect(await errorOf(await later.request("POST", `/recovery/${tombstone_id}/restore`))).toMatchObject({ status: 410, code: "TOMBSTONE_EXPIRED" });
    expect(((await (await later.request("GET", "/recovery")).json()) as { data: unknown[] }).data).toEqual([]);
    const sooner = await clientAt(client, inDays(6));
    expect((await sooner.request("POST", `/recovery/${tombstone_id}/restore`)).status).toBe(200);
  });

  it("restoring at the active-task limit → 409 LIMIT_EXCEEDED; twice → 404", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    await seedOpenTasks(client.userId, 50);
    expect(await errorOf(await client.request("POST", `/recovery/${tombstone_id}/restore`))).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED", details: { limit: 50, current: 50 } });
    const pro = await newClient({ tier: "pro" });
    const proTask = await createTask(pro);
    const removed = await expectData<{ tombstone_id: string }>(await pro.request("DELETE", `/tasks/${proTask.id}`));
    expect((await pro.request("POST", `/recovery/${removed.tombstone_id}/restore`)).status).toBe(200);
    expect((await pro.request("POST", `/recovery/${removed.tombstone_id}/restore`)).status).toBe(404);
  });

  it("deleting with a stale If-Match → 409; a deleted task → 404", async () => {
    const client = await newClient();
    const task = await createTask(client);
    expect((await errorOf(await client.request("DELETE", `/tasks/${task.id}`, { headers: { "If-Match": '"7"' } }))).code).toBe("VERSION_CONFLICT");
    expect((await client.request("DELETE", `/tasks/${task.id}`, { headers: { "If-Match": '"1"' } })).status).toBe(200);
    expect((await client.request("DELETE", `/tasks/${task.id}`)).status).toBe(404);
    expect((await client.request("GET", `/tasks/${crypto.randomUUID()}/history`)).status).toBe(404);
  });
});
