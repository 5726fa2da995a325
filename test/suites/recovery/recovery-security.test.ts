import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { createTask, dbRows, expectData, newClient, sql } from "../../support/factories";

describe("recovery and activity – security (docs/conventions.md#ownership)", () => {
  it("without a token → 401", async () => {
    for (const [method, path] of [["GET", "/recovery"], ["POST", `/recovery/${crypto.randomUUID()}/restore`], ["GET", "/activity"]] as const) {
      expect((await call(`/api/v1${path}`, { method, invalid: true })).status, path).toBe(401);
    }
  });

  it("another user's tombstone, history and activity stay invisible", async () => {
    const owner = await newClient();
    const other = await newClient();
    const task = await createTask(owner);
    const { tombstone_id } = await expectData<{ tombstone_id: string }>(await owner.request("DELETE", `/tasks/${task.id}`));
    expect((await other.request("POST", `/recovery/${tombstone_id}/restore`)).status).toBe(404);
    expect(await dbRows(sql`select restored_at from deletion_tombstones where id = ${tombstone_id}`)).toEqual([{ restored_at: null }]);
    expect(((await (await other.request("GET", "/recovery")).json()) as { data: unknown[] }).data).toEqual([]);
    expect((await other.request("GET", `/tasks/${task.id}/history`)).status).toBe(404);
    expect(((await (await other.request("GET", `/activity?entity_id=${task.id}`)).json()) as { data: unknown[] }).data).toEqual([]);
  });

  it("bad activity filters and cursors → 400", async () => {
    const client = await newClient();
    for (const query of ["entity_id=nope", "entity_type=DROP%20TABLE", "limit=0", "limit=101", "cursor=abc", "unknown=1"]) {
      const response = await client.request("GET", `/activity?${query}`, { invalid: true });
      expect(response.status, query).toBe(400);
    }
  });
});
