import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";
import { createTask, dbRows, errorOf, expectData, newClient, sql, type TestClient } from "../../support/factories";

/** docs/reminders-notifications-realtime.md#notifications: list (unread first, cursor), read, read-all, unread count. */
interface Notification {
  id: string;
  kind: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read: boolean;
  created_at: string;
}
interface Page {
  data: Notification[];
  next_cursor: string | null;
}

/** Seeds notifications straight into the database, `minutesAgo` apart, oldest first; returns their ids. */
async function seed(userId: string, items: { type: string; title: string; read?: boolean; minutesAgo: number }[]): Promise<string[]> {
  const ids: string[] = [];
  for (const item of items) {
    const [row] = await dbRows<{ id: string }>(sql`
      insert into notifications (user_id, type, title, body, data, read_at, created_at)
      values (${userId}, ${item.type}, ${item.title}, '', '{}'::jsonb,
        ${item.read === true ? sql`now()` : sql`null`}, now() - make_interval(mins => ${item.minutesAgo}))
      returning id`);
    if (!row) throw new Error("not seeded");
    ids.push(row.id);
  }
  return ids;
}


async function pageOf(client: TestClient, query: string): Promise<Page> {
  const response = await client.request("GET", `/notifications${query}`);
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${response.status} ${text}`);
  return JSON.parse(text) as Page;
}

describe("notifications", () => {
  it("lists unread first, then read, each newest first, over cursor pages; maps stored types to the four kinds", async () => {
    const client = await newClient();
    const [oldUnread, readOne, newUnread, legacy] = await seed(client.userId, [
      { type: "reminder", title: "old unread", minutesAgo: 40 },
      { type: "achievement", title: "read", read: true, minutesAgo: 30 },
      { type: "reminder", title: "new unread", minutesAgo: 20 },
      { type: "subscription_expired", title: "a type the API does not list", minutesAgo: 10 },
    ]);
    const requestId = newRequestId("notifications-list");
    const first = await (async () => {
      const response = await client.request("GET", "/notifications?limit=2", { requestId });
      return JSON.parse(await response.text()) as Page;
    })();
    expect(await roundTrips(requestId)).toBe(1);
    expect(first.data.map((n) => n.id)).toEqual([legacy, newUnread]);
    expect(first.data[0]).toMatchObject({ kind: "system", read: false });
    const second = await pageOf(client, `?limit=2&cursor=${first.next_cursor ?? ""}`);
    expect(second.data.map((n) => n.id)).toEqual([oldUnread, readOne]);
    expect(second.data[1]).toMatchObject({ kind: "achievement", read: true });
    expect(second.next_cursor).toBeNull();

    expect((await pageOf(client, "?unread=true")).data.map((n) => n.id)).toEqual([legacy, newUnread, oldUnread]);
    expect((await pageOf(client, "?unread=false")).data.map((n) => n.id)).toEqual([readOne]);
  });

  it("a page boundary survives a notification read meanwhile: nothing unseen is skipped", async () => {
    const client = await newClient();
    const ids = await seed(client.userId, [
      { type: "reminder", title: "c", minutesAgo: 30 },
      { type: "reminder", title: "b", minutesAgo: 20 },
      { type: "reminder", title: "a", minutesAgo: 10 },
    ]);
    const first = await pageOf(client, "?limit=1");
    expect(first.data.map((n) => n.id)).toEqual([ids[2]]);
    // The served one is read meanwhile; the rest are still to come, then the read one again under "read".
    await expectData(await client.request("POST", `/notifications/${ids[2]}/read`));
    const rest = await pageOf(client, `?limit=10&cursor=${first.next_cursor ?? ""}`);
    expect(rest.data.map((n) => n.id)).toEqual([ids[1], ids[0], ids[2]]);
  });

  it("an unlocked achievement arrives as an unread notification; read, read-all and the unread count", async () => {
    const client = await newClient();
    for (let i = 0; i < 5; i += 1) {
      const task = await createTask(client);
      await expectData(await client.request("POST", `/tasks/${task.id}/complete`));
    }
    await seed(client.userId, [{ type: "reminder", title: "Call Ana", minutesAgo: 1 }, { type: "reminder", title: "Pay rent", minutesAgo: 2 }]);
    const countId = newRequestId("unread-count");
    expect(await expectData(await client.request("GET", "/notifications/unread-count", { requestId: countId }))).toEqual({ unread: 3 });
    expect(await roundTrips(countId)).toBe(1);

    const unlock = (await pageOf(client, "?unread=true")).data.find((n) => n.kind === "achievement");
    expect(unlock).toMatchObject({ title: "Achievement unlocked: Task Starter", body: "Complete 5 tasks.", data: { achievement_id: "tasks_5", perk: { type: "max_tasks", value: 15 } } });
    const readId = newRequestId("read-one");
    const read = await expectData<Notification>(await client.request("POST", `/notifications/${unlock?.id}/read`, { requestId: readId }));
    expect(read).toMatchObject({ id: unlock?.id, read: true });
    expect(await roundTrips(readId)).toBe(2);
    // Reading it again changes nothing.
    expect(await expectData<Notification>(await client.request("POST", `/notifications/${unlock?.id}/read`))).toEqual(read);
    expect(await expectData(await client.request("GET", "/notifications/unread-count"))).toEqual({ unread: 2 });

    const key = crypto.randomUUID();
    const allId = newRequestId("read-all");
    expect(await expectData(await client.request("POST", "/notifications/read-all", { key, requestId: allId }))).toEqual({ marked_read: 2 });
    expect(await roundTrips(allId)).toBe(2);
    const replay = await client.request("POST", "/notifications/read-all", { key });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await expectData(replay)).toEqual({ marked_read: 2 });
    expect(await expectData(await client.request("POST", "/notifications/read-all"))).toEqual({ marked_read: 0 });
    expect(await expectData(await client.request("GET", "/notifications/unread-count"))).toEqual({ unread: 0 });
  });

  it("parallel read-all calls mark each notification once: the counts add up to the unread ones", async () => {
    const client = await newClient();
    await seed(client.userId, Array.from({ length: 30 }, (_, i) => ({ type: "reminder", title: `n${i}`, minutesAgo: i })));
    const responses = await Promise.all(Array.from({ length: 5 }, () => client.request("POST", "/notifications/read-all")));
    let total = 0;
    for (const response of responses) total += (await expectData<{ marked_read: number }>(response)).marked_read;
    expect(total).toBe(30);
  });

  it("security: 401 without a token, another user's notification 404 and untouched, bad input 400", async () => {
    for (const [method, path] of [
      ["GET", "/api/v1/notifications"],
      ["GET", "/api/v1/notifications/unread-count"],
      ["POST", `/api/v1/notifications/${crypto.randomUUID()}/read`],
      ["POST", "/api/v1/notifications/read-all"],
    ] as const) {
      expect((await call(path, { method, invalid: true })).status).toBe(401);
    }
    const owner = await newClient();
    const other = await newClient();
    const [theirs] = await seed(owner.userId, [{ type: "reminder", title: "private", minutesAgo: 1 }]);
    expect((await errorOf(await other.request("POST", `/notifications/${theirs}/read`))).code).toBe("NOT_FOUND");
    expect((await pageOf(other, "")).data).toEqual([]);
    expect(await expectData(await other.request("POST", "/notifications/read-all"))).toEqual({ marked_read: 0 });
    expect(await expectData(await owner.request("GET", "/notifications/unread-count"))).toEqual({ unread: 1 });
    expect((await owner.request("POST", "/notifications/not-a-uuid/read", { invalid: true })).status).toBe(400);

    // Any `unread` but true/false, any `limit` outside 1–100: 400 VALIDATION_ERROR, never a 500.
    await fc.assert(
      fc.asyncProperty(
        fc.string({ maxLength: 8 }).filter((value) => value !== "true" && value !== "false"),
        fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101 })),
        async (unread, limit) => {
          for (const query of [`unread=${encodeURIComponent(unread)}`, `limit=${limit}`]) {
            expect(await errorOf(await owner.request("GET", `/notifications?${query}`, { invalid: true }))).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
          }
        },
      ),
      { numRuns: 30 },
    );
    const tampered = await owner.request("GET", "/notifications?cursor=eyJ4IjoxfQ", { invalid: true });
    expect(await errorOf(tampered)).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
  });
});
