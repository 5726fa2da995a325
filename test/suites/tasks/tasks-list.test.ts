import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { createTask, expectData, inDays, newClient, type TaskJson, type TestClient } from "../../support/factories";

type Page = { data: TaskJson[]; next_cursor: string | null };

async function list(client: TestClient, query: string, requestId?: string): Promise<Page> {
  const response = await client.request("GET", `/tasks${query}`, requestId === undefined ? {} : { requestId });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${response.status} ${text}`);
  return JSON.parse(text) as Page;
}

const titles = (page: Page) => page.data.map((task) => task.title);

describe("GET /tasks – filters, search, sorts, pagination (docs/tasks.md)", () => {
  it("an empty result is 200 with [] and no cursor, in one round trip", async () => {
    const client = await newClient();
    const requestId = newRequestId("list");
    expect(await list(client, "?q=nothing", requestId)).toEqual({ data: [], next_cursor: null });
    expect(await roundTrips(requestId)).toBe(1);
  });

  it("finds stemmed words in title and description", async () => {
    const client = await newClient();
    await createTask(client, { title: "Walking shoes", description: "" });
    await createTask(client, { title: "Groceries", description: "Buy apples; we walked there last time" });
    await createTask(client, { title: "Taxes" });
    expect(titles(await list(client, "?q=walks")).sort()).toEqual(["Groceries", "Walking shoes"]);
    expect(titles(await list(client, `?q=${encodeURIComponent('"apples" -taxes')}`))).toEqual(["Groceries"]);
  });

  it("filters tags with AND, priority (multi), completion, due range, hidden and archived", async () => {
    const client = await newClient();
    const both = await createTask(client, { title: "both", tags: ["home", "urgent"], priority: "high", due_date: inDays(2) });
    await createTask(client, { title: "home only", tags: ["home"], priority: "low", due_date: inDays(9) });
    await createTask(client, { title: "hidden", hidden: true, tags: ["home", "urgent"] });
    const archived = await createTask(client, { title: "archived" });
    await expectData(await client.request("PATCH", `/tasks/${archived.id}`, { body: { archived: true, version: 1 } }));
    await expectData(await client.request("POST", `/tasks/${both.id}/complete`));

    expect(titles(await list(client, "?tags=home&tags=URGENT"))).toEqual(["both"]);
    expect(titles(await list(client, "?tags=home,urgent"))).toEqual(["both"]);
    expect(titles(await list(client, "?tags=home")).sort()).toEqual(["both", "home only"]);
    expect(titles(await list(client, "?priority=low,high&sort=priority"))).toEqual(["both", "home only"]);
    expect(titles(await list(client, "?completed=true"))).toEqual(["both"]);
    expect(titles(await list(client, "?completed=false")).sort()).toEqual(["home only"]);
    expect(titles(await list(client, `?due_before=${encodeURIComponent(inDays(5))}`))).toEqual(["both"]);
    expect(titles(await list(client, `?due_after=${encodeURIComponent(inDays(5))}`))).toEqual(["home only"]);
    expect(titles(await list(client, "?hidden=true"))).toEqual(["hidden"]);
    expect(titles(await list(client, "?archived=true"))).toEqual(["archived"]);
  });

  it("sorts by priority rank and by due date (no due date last)", async () => {
    const client = await newClient();
    await createTask(client, { title: "m", priority: "medium", due_date: inDays(3) });
    await createTask(client, { title: "h", priority: "high" });
    await createTask(client, { title: "l", priority: "low", due_date: inDays(1) });
    expect(titles(await list(client, "?sort=priority"))).toEqual(["h", "m", "l"]);
    expect(titles(await list(client, "?sort=priority&order=asc"))).toEqual(["l", "m", "h"]);
    expect(titles(await list(client, "?sort=due_date"))).toEqual(["l", "m", "h"]);
    expect(titles(await list(client, "?sort=due_date&order=desc"))).toEqual(["h", "m", "l"]);
  });

  it("paginates with an opaque cursor that stays stable while tasks are inserted", async () => {
    const client = await newClient();
    for (let i = 0; i < 7; i += 1) await createTask(client, { title: `t${i}`, priority: i % 2 === 0 ? "high" : "low" });
    for (const sort of ["created_at", "priority", "updated_at", "due_date"]) {
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page: Page = await list(client, `?sort=${sort}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
        seen.push(...titles(page));
        cursor = page.next_cursor;
        // Concurrent inserts during the walk must not shift the pages (new rows sort before the cursor).
        if (pages === 0 && sort === "created_at") await createTask(client, { title: "late" });
        pages += 1;
      } while (cursor !== null);
      const expected = sort === "created_at" ? 7 : sort === "priority" ? 8 : 8;
      expect(new Set(seen).size, sort).toBe(seen.length);
      expect(seen.length, sort).toBe(expected);
    }
  });
});
