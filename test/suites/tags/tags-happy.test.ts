import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { createTask, dbRows, expectData, getTask, newClient, sql } from "../../support/factories";

describe("tags – happy paths (docs/tasks.md)", () => {
  it("lists tags with task counts, one round trip", async () => {
    const client = await newClient();
    await createTask(client, { tags: ["Work", "home"] });
    await createTask(client, { tags: ["work"] });
    const requestId = newRequestId("tags");
    const tags = await expectData<{ name: string; task_count: number }[]>(await client.request("GET", "/tags", { requestId }));
    expect(tags.map(({ name, task_count }) => ({ name, task_count }))).toEqual([
      { name: "home", task_count: 1 },
      { name: "work", task_count: 2 },
    ]);
    expect(await roundTrips(requestId)).toBe(1);
  });

  it("deleting a tag removes it from every task (new version) and logs it", async () => {
    const client = await newClient();
    const a = await createTask(client, { tags: ["work", "home"] });
    const b = await createTask(client, { tags: ["work"] });
    expect((await client.request("DELETE", "/tags/%20WORK%20")).status).toBe(204);
    expect(await getTask(client, a.id)).toMatchObject({ tags: ["home"], version: 2 });
    expect(await getTask(client, b.id)).toMatchObject({ tags: [], version: 2 });
    expect((await expectData<{ name: string }[]>(await client.request("GET", "/tags"))).map((t) => t.name)).toEqual(["home"]);
    const logged = await dbRows<{ action: string }>(sql`select action from activity_log where user_id = ${client.userId} and entity_type = 'tag'`);
    expect(logged).toEqual([{ action: "deleted" }]);
  });
});
