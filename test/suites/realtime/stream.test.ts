import { describe, expect, it } from "vitest";
import { createTask, expectData, newClient, type TaskJson } from "../../support/factories";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { trackStreams } from "./helpers";

/** docs/reminders-notifications-realtime.md "Real time: as built": fan-out of the user's own changes. */
const stream = trackStreams();

describe("GET /events/stream", () => {
  it("two streams of one user get task.created with the task as the API answered it; another user's stream gets only its own", async () => {
    const owner = await newClient();
    const other = await newClient();
    const streamId = newRequestId("stream-open");
    const first = await stream({ accessToken: owner.accessToken, requestId: streamId });
    const second = await stream({ accessToken: owner.accessToken });
    const theirs = await stream({ accessToken: other.accessToken });
    expect(first.response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    // Opening a stream is a request of the user's general budget.
    expect(first.response.headers.get("RateLimit")).toMatch(/^"general";r=\d+;t=\d+$/);
    expect(await roundTrips(streamId)).toBe(0);

    const createId = newRequestId("create");
    const task = await expectData<TaskJson>(await owner.request("POST", "/tasks", { body: { title: "Live" }, requestId: createId }), 201);
    // Publishing adds no database round trip to the write (reads + commit, as without real time).
    expect(await roundTrips(createId)).toBe(2);
    for (const s of [first, second]) {
      const frame = await s.nextEvent();
      expect(frame.event).toBe("task.created");
      expect(frame.id).toMatch(/^\d+$/);
      expect(JSON.parse(frame.data)).toEqual(task);
    }
    await first.checkContract();

    const own = await createTask(other, { title: "Mine" });
    const frame = await theirs.nextEvent();
    expect(frame.event).toBe("task.created");
    expect(JSON.parse(frame.data)).toEqual(own);
  });

  it("task.updated, task.completed, task.reopened, task.deleted ({id}) and task.restored, in order with increasing ids", async () => {
    const client = await newClient();
    const s = await stream({ accessToken: client.accessToken });
    const task = await createTask(client);
    const updated = await expectData<TaskJson>(await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "Renamed", version: 1 } }));
    const completed = await expectData<{ task: TaskJson }>(await client.request("POST", `/tasks/${task.id}/complete`));
    const reopened = await expectData<{ task: TaskJson }>(await client.request("POST", `/tasks/${task.id}/reopen`));
    const deleted = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`, { headers: { "If-Match": `"${reopened.task.version}"` } }));
    const restored = await expectData<{ task: TaskJson }>(await client.request("POST", `/recovery/${deleted.tombstone_id}/restore`));
    const frames = await s.events(6);
    expect(frames.map((f) => f.event)).toEqual(["task.created", "task.updated", "task.completed", "task.reopened", "task.deleted", "task.restored"]);
    const ids = frames.map((f) => Number(f.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(6);
    expect(JSON.parse(frames[1]?.data ?? "")).toEqual(updated);
    expect(JSON.parse(frames[2]?.data ?? "")).toEqual(completed.task);
    expect(JSON.parse(frames[4]?.data ?? "")).toEqual({ id: task.id });
    expect(JSON.parse(frames[5]?.data ?? "")).toMatchObject({ id: task.id, title: restored.task.title });
  });

  it("only committed effects are published: a refused write (409) and an idempotent replay send nothing", async () => {
    const client = await newClient();
    const s = await stream({ accessToken: client.accessToken });
    const key = crypto.randomUUID();
    const task = await expectData<TaskJson>(await client.request("POST", "/tasks", { body: { title: "once" }, key }), 201);
    expect(JSON.parse((await s.nextEvent()).data)).toEqual(task);
    const replay = await client.request("POST", "/tasks", { body: { title: "once" }, key });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    await replay.text();
    const stale = await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "stale", version: 7 } });
    expect(stale.status).toBe(409);
    await stale.text();
    const next = await createTask(client, { title: "next" });
    // The next frame is the next write's: nothing came of the replay or the conflict.
    const frame = await s.nextEvent();
    expect([frame.event, JSON.parse(frame.data)]).toEqual(["task.created", next]);
  });
});
