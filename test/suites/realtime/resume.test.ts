import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { configureHubForTest, hubStats, publishToHub } from "../../../durable-objects/user-hub/client";
import type { UserHub } from "../../../durable-objects/user-hub/object";
import { BUFFER_SIZE } from "../../../durable-objects/user-hub/policy";
import { testEnv } from "../../support/env";
import { createTask, expectData, newClient, type TaskJson } from "../../support/factories";
import { trackStreams } from "./helpers";

/** docs/reminders-notifications-realtime.md "Resume": Last-Event-ID, the ring buffer of 100, `reset`, heartbeat. */
const stream = trackStreams();

describe("GET /events/stream: resume and heartbeat", () => {
  it("reconnecting with Last-Event-ID replays exactly the missed events, in order; ?last_event_id= too", async () => {
    const client = await newClient();
    const first = await stream({ accessToken: client.accessToken });
    await createTask(client, { title: "seen" });
    const seen = await first.nextEvent();
    await first.close();

    const missed = [await createTask(client, { title: "missed 1" }), await createTask(client, { title: "missed 2" })];
    const completed = await expectData<{ task: TaskJson }>(await client.request("POST", `/tasks/${missed[0]?.id ?? ""}/complete`));

    const resumed = await stream({ accessToken: client.accessToken, lastEventId: seen.id ?? "" });
    const replay = await resumed.events(3);
    const base = Number(seen.id);
    expect(replay.map((f) => [f.id, f.event])).toEqual([
      [String(base + 1), "task.created"],
      [String(base + 2), "task.created"],
      [String(base + 3), "task.completed"],
    ]);
    expect(replay.map((f) => JSON.parse(f.data) as unknown)).toEqual([missed[0], missed[1], completed.task]);
    // Nothing else was replayed: the next event is a new one.
    const live = await createTask(client, { title: "live" });
    const next = await resumed.nextEvent();
    expect([next.id, JSON.parse(next.data)]).toEqual([String(base + 4), live]);
    expect(resumed.text).not.toContain("event: reset");

    // The query form, from the middle; and the last id replays nothing.
    const fromQuery = await stream({ accessToken: client.accessToken, lastEventIdQuery: String(base + 2) });
    expect((await fromQuery.events(2)).map((f) => f.id)).toEqual([String(base + 3), String(base + 4)]);
    await fromQuery.close();
    const upToDate = await stream({ accessToken: client.accessToken, lastEventId: String(base + 4) });
    await createTask(client, { title: "after" });
    expect((await upToDate.nextEvent()).id).toBe(String(base + 5));
    await upToDate.checkContract();
  });

  it("an id older than the buffer: `reset` (buffer_exceeded), then every kept event; an id the hub never gave: reset (unknown_id)", async () => {
    const client = await newClient();
    const total = BUFFER_SIZE + 5;
    // One publish per event, like 105 writes (the hub RPC the after-commit work makes).
    for (let n = 1; n <= total; n += 1) await publishToHub(testEnv, client.userId, [{ type: "task.deleted", data: { id: `probe-${n}` } }]);
    expect(await hubStats(testEnv, client.userId)).toEqual({ connections: 0, lastEventId: total, kept: BUFFER_SIZE });

    const old = await stream({ accessToken: client.accessToken, lastEventId: "3" });
    const reset = await old.next();
    expect(reset.event).toBe("reset");
    expect(JSON.parse(reset.data ?? "")).toEqual({ reason: "buffer_exceeded", replayed: BUFFER_SIZE, oldest_id: "6" });
    const kept = await old.events(BUFFER_SIZE);
    expect(kept.map((f) => Number(f.id))).toEqual(Array.from({ length: BUFFER_SIZE }, (_, i) => i + 6));
    await old.close();

    // Just inside the buffer (the event before the oldest kept one): exact, no reset.
    const edge = await stream({ accessToken: client.accessToken, lastEventId: "5" });
    expect((await edge.next()).id).toBe("6");
    await edge.close();

    const ahead = await stream({ accessToken: client.accessToken, lastEventId: "999999" });
    expect(JSON.parse((await ahead.next()).data ?? "")).toMatchObject({ reason: "unknown_id", replayed: BUFFER_SIZE });
    await ahead.close();
    const garbage = await stream({ accessToken: client.accessToken, lastEventId: "not-an-id" });
    expect((await garbage.next()).event).toBe("reset");
  });

  it("ids and the buffer survive the hub's eviction (kept in its SQLite storage)", async () => {
    const client = await newClient();
    await publishToHub(testEnv, client.userId, [{ type: "task.deleted", data: { id: "a" } }, { type: "task.deleted", data: { id: "b" } }]);
    await evictDurableObject(testEnv.USER_HUB.get(testEnv.USER_HUB.idFromName(client.userId)));
    // A fresh instance: the counter goes on where it was.
    expect(await publishToHub(testEnv, client.userId, [{ type: "task.deleted", data: { id: "c" } }])).toEqual([3]);
    expect(await hubStats(testEnv, client.userId)).toEqual({ connections: 0, lastEventId: 3, kept: 3 });
    const resumed = await stream({ accessToken: client.accessToken, lastEventId: "1" });
    expect((await resumed.events(2)).map((f) => [f.id, JSON.parse(f.data)])).toEqual([
      ["2", { id: "b" }],
      ["3", { id: "c" }],
    ]);
  });

  it("sends a `: ping` comment on every heartbeat alarm while a stream is open, and stops after the last one (test knob: 50 ms instead of 30 s)", async () => {
    const client = await newClient();
    await configureHubForTest(testEnv, client.userId, { heartbeatMs: 50 });
    const s = await stream({ accessToken: client.accessToken });
    expect((await s.next()).comments).toEqual(["ping"]);
    expect((await s.next()).comments).toEqual(["ping"]);
    expect(s.text).toContain(": ping\n\n");
    await s.close();
    // The dead stream is dropped at its next ping; the alarm after that finds no stream and does not re-arm.
    const hub = testEnv.USER_HUB.get(testEnv.USER_HUB.idFromName(client.userId));
    let armed: number | null = 0;
    for (let attempt = 0; attempt < 200 && armed !== null; attempt += 1) {
      armed = await runInDurableObject(hub, (_hub: UserHub, state) => state.storage.getAlarm());
      if (armed !== null) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(armed).toBeNull();
    expect((await hubStats(testEnv, client.userId)).connections).toBe(0);
  });
});
