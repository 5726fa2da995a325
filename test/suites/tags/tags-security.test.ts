import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { createTask, expectData, getTask, newClient } from "../../support/factories";

describe("tags – security (docs/conventions.md#ownership)", () => {
  it("without a token → 401", async () => {
    expect((await call("/api/v1/tags", { invalid: true })).status).toBe(401);
    expect((await call("/api/v1/tags/work", { method: "DELETE", invalid: true })).status).toBe(401);
  });

  it("tags are per user: another user's tags are neither listed nor deletable", async () => {
    const owner = await newClient();
    const other = await newClient();
    const task = await createTask(owner, { tags: ["secret"] });
    await createTask(other, { tags: ["mine"] });
    expect((await expectData<{ name: string }[]>(await other.request("GET", "/tags"))).map((t) => t.name)).toEqual(["mine"]);
    expect((await other.request("DELETE", "/tags/secret")).status).toBe(404);
    expect((await getTask(owner, task.id)).tags).toEqual(["secret"]);
    // Same name, two users: two tags; deleting mine leaves theirs.
    await createTask(other, { tags: ["secret"] });
    expect((await other.request("DELETE", "/tags/secret")).status).toBe(204);
    expect((await getTask(owner, task.id)).tags).toEqual(["secret"]);
  });
});
