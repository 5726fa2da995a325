import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { clientAt, createTask, dbRows, errorOf, expectData, newClient, sql } from "../../support/factories";
import { activityFor, at, endAt, focusTime, sessionRows, startAt, type EndedJson, type FocusSessionJson } from "./support";

/**
 * docs/reminders-notifications-realtime.md "Focus mode": start → end through the real Worker, with the
 * clock pinned per request (X-Test-Now). Times are relative to the real now so no other suite's minute
 * sweep ever finds these sessions overdue.
 */
describe("focus – start and end", () => {
  it("starts a session (201, default 25 minutes, 2 round trips) and ends it after the planned time: completed, seconds added to the task, version kept", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "Deep work" });
    const t0 = Date.now();
    const pinned = await clientAt(client, at(t0, 0));
    const startId = newRequestId("focus-start");
    const session = await expectData<FocusSessionJson>(
      await pinned.request("POST", "/focus/sessions", { body: { task_id: task.id }, requestId: startId }),
      201,
    );
    expect(session).toEqual({
      id: expect.any(String),
      task_id: task.id,
      planned_minutes: 25,
      started_at: at(t0, 0),
      ended_at: null,
      elapsed_seconds: null,
      status: "running",
    });
    expect(await roundTrips(startId)).toBe(2);

    const later = await clientAt(client, new Date(t0 + 25 * 60_000 + 7_000).toISOString());
    const endId = newRequestId("focus-end");
    const ended = await expectData<EndedJson>(await later.request("POST", `/focus/sessions/${session.id}/end`, { requestId: endId }));
    expect(ended).toEqual({
      session: { ...session, ended_at: new Date(t0 + 25 * 60_000 + 7_000).toISOString(), elapsed_seconds: 25 * 60 + 7, status: "completed" },
      unlocked_achievements: [],
    });
    expect(await roundTrips(endId)).toBe(2);

    const after = await focusTime(task.id);
    expect(after.focus_time_seconds).toBe(25 * 60 + 7);
    expect(after.version).toBe(task.version);
    const shown = await expectData<{ focus_time_seconds: number; version: number }>(await client.request("GET", `/tasks/${task.id}`));
    expect(shown).toMatchObject({ focus_time_seconds: 25 * 60 + 7, version: 1 });
    // The version a client read before the session ended is still the current one: its edit goes through.
    const edited = await expectData<{ focus_time_seconds: number; version: number }>(
      await client.request("PATCH", `/tasks/${task.id}`, { body: { title: "Deep work, done", version: 1 } }),
    );
    expect(edited).toMatchObject({ focus_time_seconds: 25 * 60 + 7, version: 2 });
    expect(await activityFor(session.id)).toEqual([
      { action: "completed", actor: "user", changes: { elapsed_seconds: { from: null, to: 1507 }, task_id: { from: null, to: task.id } } },
    ]);
  });

  it("ended before the planned time → ended_early with the elapsed seconds; a new session may start afterwards", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const t0 = Date.now();
    const session = await startAt(client, at(t0, 0), { task_id: task.id, planned_minutes: 50 });
    expect(session.planned_minutes).toBe(50);
    const ended = await endAt(client, at(t0, 12), session.id);
    expect(ended.session).toMatchObject({ status: "ended_early", elapsed_seconds: 720, ended_at: at(t0, 12) });
    expect((await focusTime(task.id)).focus_time_seconds).toBe(720);
    const next = await startAt(client, at(t0, 13), { task_id: task.id });
    expect(next.status).toBe("running");
    await endAt(client, at(t0, 14), next.id);
    expect((await focusTime(task.id)).focus_time_seconds).toBe(780);
  });

  it("a session without a task ends without touching any task", async () => {
    const client = await newClient();
    const t0 = Date.now();
    const session = await startAt(client, at(t0, 0), { planned_minutes: 5 });
    expect(session.task_id).toBeNull();
    const ended = await endAt(client, at(t0, 5), session.id);
    expect(ended.session).toMatchObject({ status: "completed", elapsed_seconds: 300, task_id: null });
  });

  it("ending an ended session answers it as it is: no second count, no second activity entry", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const t0 = Date.now();
    const session = await startAt(client, at(t0, 0), { task_id: task.id });
    const first = await endAt(client, at(t0, 10), session.id);
    const secondId = newRequestId("focus-end-again");
    const pinned = await clientAt(client, at(t0, 40));
    const second = await expectData<EndedJson>(await pinned.request("POST", `/focus/sessions/${session.id}/end`, { requestId: secondId }));
    expect(second).toEqual(first);
    expect(await roundTrips(secondId)).toBe(2);
    expect((await focusTime(task.id)).focus_time_seconds).toBe(600);
    expect(await activityFor(session.id)).toHaveLength(1);
  });

  it("ended later than planned + 60 min (before the sweep ran) → abandoned at that deadline with its planned time", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const t0 = Date.now();
    const session = await startAt(client, at(t0, 0), { task_id: task.id, planned_minutes: 5 });
    const ended = await endAt(client, at(t0, 70), session.id);
    expect(ended.session).toMatchObject({ status: "abandoned", elapsed_seconds: 300, ended_at: at(t0, 65) });
    expect((await focusTime(task.id)).focus_time_seconds).toBe(300);
  });

  it("a completed task may be focused on; an archived one → 409 TASK_ARCHIVED", async () => {
    const client = await newClient();
    const done = await createTask(client, { title: "Done already" });
    await expectData(await client.request("POST", `/tasks/${done.id}/complete`, { body: {} }));
    const t0 = Date.now();
    const session = await startAt(client, at(t0, 0), { task_id: done.id });
    await endAt(client, at(t0, 1), session.id);
    expect((await focusTime(done.id)).focus_time_seconds).toBe(60);

    const archived = await createTask(client, { title: "Shelved" });
    await expectData(await client.request("PATCH", `/tasks/${archived.id}`, { body: { archived: true, version: 1 } }));
    const refused = await client.request("POST", "/focus/sessions", { body: { task_id: archived.id } });
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe("TASK_ARCHIVED");
    expect(await sessionRows(client.userId)).toHaveLength(1);
  });

  it("a second start while one runs → 409 FOCUS_SESSION_RUNNING with the running session in details", async () => {
    const client = await newClient();
    const t0 = Date.now();
    const running = await startAt(client, at(t0, 0), { planned_minutes: 30 });
    const pinned = await clientAt(client, at(t0, 2));
    const second = await pinned.request("POST", "/focus/sessions", { body: { planned_minutes: 10 } });
    expect(second.status).toBe(409);
    const error = await errorOf(second);
    expect(error.code).toBe("FOCUS_SESSION_RUNNING");
    expect(error.details).toEqual({ session: running });
  });

  it("a start while the running session is past planned + 60 min (the sweep has not reached it) closes it as abandoned and starts", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const t0 = Date.now();
    const stale = await startAt(client, at(t0, 0), { task_id: task.id, planned_minutes: 5 });
    const fresh = await startAt(client, at(t0, 66), { planned_minutes: 20 });
    expect(fresh).toMatchObject({ status: "running", planned_minutes: 20, started_at: at(t0, 66) });
    expect(await sessionRows(client.userId)).toMatchObject([
      { id: stale.id, status: "abandoned", elapsed_seconds: 300 },
      { id: fresh.id, status: "running", elapsed_seconds: null },
    ]);
    expect((await focusTime(task.id)).focus_time_seconds).toBe(300);
    expect(await activityFor(stale.id)).toMatchObject([{ action: "abandoned", actor: "user" }]);
  });

  it("an idempotent replay of a start answers the same 201 and starts nothing new", async () => {
    const client = await newClient();
    const key = crypto.randomUUID();
    const first = await client.request("POST", "/focus/sessions", { body: { planned_minutes: 15 }, key });
    const body = await first.text();
    expect(first.status).toBe(201);
    const replay = await client.request("POST", "/focus/sessions", { body: { planned_minutes: 15 }, key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.text()).toBe(body);
    expect(await sessionRows(client.userId)).toHaveLength(1);
  });

  it("a task deleted while its session runs: the end still answers, no task is touched", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const t0 = Date.now();
    const session = await startAt(client, at(t0, 0), { task_id: task.id });
    expect((await client.request("DELETE", `/tasks/${task.id}`)).status).toBe(200);
    const ended = await endAt(client, at(t0, 3), session.id);
    expect(ended.session).toMatchObject({ status: "ended_early", elapsed_seconds: 180, task_id: null });
    const [row] = await dbRows<{ task_id: string | null }>(sql`select task_id from focus_sessions where id = ${session.id}`);
    expect(row?.task_id).toBeNull();
  });
});

describe("focus – listing", () => {
  it("GET /focus/sessions: newest first, cursor pages, status filter, 1 round trip", async () => {
    const client = await newClient();
    const t0 = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const session = await startAt(client, at(t0, i * 10), { planned_minutes: 5 });
      await endAt(client, at(t0, i * 10 + (i === 1 ? 2 : 6)), session.id);
      ids.push(session.id);
    }
    const running = await startAt(client, at(t0, 40));
    const listId = newRequestId("focus-list");
    const page = (await (await client.request("GET", "/focus/sessions?limit=2", { requestId: listId })).json()) as { data: FocusSessionJson[]; next_cursor: string | null };
    expect(await roundTrips(listId)).toBe(1);
    expect(page.data.map((s) => s.id)).toEqual([running.id, ids[2]]);
    expect(page.next_cursor).not.toBeNull();
    const rest = (await (await client.request("GET", `/focus/sessions?limit=2&cursor=${page.next_cursor ?? ""}`)).json()) as { data: FocusSessionJson[]; next_cursor: string | null };
    expect(rest.data.map((s) => s.id)).toEqual([ids[1], ids[0]]);
    expect(rest.next_cursor).toBeNull();
    const early = (await (await client.request("GET", "/focus/sessions?status=ended_early")).json()) as { data: FocusSessionJson[] };
    expect(early.data.map((s) => s.id)).toEqual([ids[1]]);
    const none = (await (await newClient()).request("GET", "/focus/sessions")).status;
    expect(none).toBe(200);
  });
});
