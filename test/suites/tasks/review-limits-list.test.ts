import { describe, expect, it } from "vitest";
import { clientAt, createSubtask, createTask, dbRows, errorOf, expectData, newClient, seedOpenTasks, sql, type TaskJson, type TestClient } from "../../support/factories";

/**
 * Review of issue 5: effective limits include unlocked perks (read from the achievements tables), the
 * `template_id` filter, and cursor pagination under PARALLEL inserts, some of which land in the part of
 * the listing not served yet (they must appear exactly once) and some before the cursor (never served).
 */
type Page = { data: TaskJson[]; next_cursor: string | null };

async function unlock(userId: string, achievementId: string): Promise<void> {
  await dbRows(sql`insert into user_achievements (user_id, achievement_id) values (${userId}, ${achievementId})`);
}

async function page(client: TestClient, query: string): Promise<Page> {
  const response = await client.request("GET", `/tasks${query}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${response.status} ${text}`);
  return JSON.parse(text) as Page;
}

describe("tasks – review: limits with perks", () => {
  it("active-task limit = 50 + max_tasks perks (tasks_5: +15) → 65, with {limit, current}", async () => {
    const client = await newClient();
    await unlock(client.userId, "tasks_5");
    await seedOpenTasks(client.userId, 64);
    await createTask(client, { title: "65th" });
    const refused = await errorOf(await client.request("POST", "/tasks", { body: { title: "66th" } }));
    expect(refused).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED", details: { limit: 65, current: 65 } });
    const shown = await expectData<{ limits: { max_tasks: number }; perks: { max_tasks: number } }>(await client.request("GET", "/users/me/limits"));
    expect(shown).toMatchObject({ limits: { max_tasks: 65 }, perks: { max_tasks: 15 } });
  });

  it("subtask limit = 4 + max_subtasks perks (focus_10: +2) → 6", async () => {
    const client = await newClient();
    await unlock(client.userId, "focus_10");
    const task = await createTask(client);
    for (let i = 0; i < 6; i += 1) await createSubtask(client, task.id, `s${i}`);
    const refused = await errorOf(await client.request("POST", `/tasks/${task.id}/subtasks`, { body: { title: "7th" } }));
    expect(refused).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED", details: { limit: 6, current: 6 } });
  });

  it("un-archiving an open task counts against the active-task limit", async () => {
    const client = await newClient();
    const task = await createTask(client);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { archived: true, version: 1 } }));
    await seedOpenTasks(client.userId, 50);
    const refused = await errorOf(await client.request("PATCH", `/tasks/${task.id}`, { body: { archived: false, version: 2 } }));
    expect(refused).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED", details: { limit: 50, current: 50 } });
    const [row] = await dbRows<{ archived: boolean; version: number }>(sql`select archived, version from task_instances where id = ${task.id}`);
    expect(row).toEqual({ archived: true, version: 2 });
  });
});

describe("tasks – review: list filters and cursor stability", () => {
  it("template_id filters instances of one template; an unknown one is 200 []", async () => {
    const client = await newClient();
    const [template] = await dbRows<{ id: string }>(sql`insert into task_templates (user_id, title, rrule, timezone, starts_at)
      values (${client.userId}, 'Daily', 'FREQ=DAILY', 'UTC', now()) returning id`);
    const instance = await createTask(client, { title: "instance" });
    await createTask(client, { title: "plain" });
    await dbRows(sql`update task_instances set template_id = ${template?.id ?? null}, occurrence_at = now() where id = ${instance.id}`);
    const found = await page(client, `?template_id=${template?.id}`);
    expect(found.data.map((t) => t.title)).toEqual(["instance"]);
    expect(await page(client, `?template_id=${crypto.randomUUID()}`)).toEqual({ data: [], next_cursor: null });
  });

  it("a walk of created_at pages under parallel inserts: every original task exactly once", async () => {
    const client = await newClient({ tier: "pro" });
    const base = Date.now() - 3_600_000;
    const originals: string[] = [];
    for (let i = 0; i < 12; i += 1) {
      // Spaced one minute apart (pinned clock), so later inserts can be placed between them.
      const pinned = await clientAt(client, new Date(base + i * 60_000).toISOString());
      const task = await expectData<TaskJson>(await pinned.request("POST", "/tasks", { body: { title: `o${i}` } }), 201);
      originals.push(task.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const current: Page = await page(client, `?limit=4${cursor ? `&cursor=${cursor}` : ""}`);
      seen.push(...current.data.map((t) => t.id));
      cursor = current.next_cursor;
      // In parallel: new tasks at "now" (before the cursor in desc order) and at the very oldest instants
      // (after every cursor: not served yet) – the latter must show up at the end, the former never.
      const older = await clientAt(client, new Date(base - (round + 1) * 60_000).toISOString());
      await Promise.all([
        ...Array.from({ length: 3 }, () => createTask(client, { title: `new${round}` })),
        older.request("POST", "/tasks", { body: { title: `old${round}` } }).then((response) => expectData(response, 201)),
      ]);
      round += 1;
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of originals) expect(seen).toContain(id);
    const titles = await dbRows<{ id: string; title: string }>(sql`select id, title from task_instances where user_id = ${client.userId}`);
    const byId = new Map(titles.map((t) => [t.id, t.title]));
    expect(seen.filter((id) => byId.get(id)?.startsWith("new"))).toEqual([]);
    // Every "old…" task inserted before the last page was served lies after all cursors: it was served.
    expect(seen.filter((id) => byId.get(id)?.startsWith("old")).length).toBeGreaterThanOrEqual(round - 1);
  });
});
