import { describe, expect, it } from "vitest";
import { clearFault, injectFault, roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { clientAt, createTask, errorOf, expectData, newClient } from "../../support/factories";
import { at, focusTime, sessionRows, startAt, type EndedJson, type FocusSessionJson } from "./support";

/** One running session per user is held by the database (the unique partial index), not by the Worker's read. */
describe("focus – concurrency", () => {
  it("two parallel starts → one 201, one 409 FOCUS_SESSION_RUNNING naming the winner", async () => {
    for (let round = 0; round < 3; round += 1) {
      const client = await newClient();
      const responses = await Promise.all([
        client.request("POST", "/focus/sessions", { body: { planned_minutes: 25 } }),
        client.request("POST", "/focus/sessions", { body: { planned_minutes: 30 } }),
      ]);
      const statuses = responses.map((r) => r.status).sort();
      expect(statuses).toEqual([201, 409]);
      const winner = await expectData<FocusSessionJson>(responses.find((r) => r.status === 201) as Response, 201);
      const loser = await errorOf(responses.find((r) => r.status === 409) as Response);
      expect(loser.code).toBe("FOCUS_SESSION_RUNNING");
      expect(loser.details).toEqual({ session: winner });
      expect(await sessionRows(client.userId)).toMatchObject([{ id: winner.id, status: "running" }]);
    }
  });

  it("a start whose read saw no session but whose commit lands after another start's → 409 from the database (the guard), with that session", async () => {
    const client = await newClient();
    const slowId = newRequestId("focus-slow-start");
    // The slow start's commit batch is held at the endpoint; its read (round trip 1) goes through at once.
    const fault = await injectFault({ mode: "delay", request_id: slowId, match: "insert into focus_sessions", delay_ms: 3_000, times: 1 });
    try {
      const slow = client.request("POST", "/focus/sessions", { body: { planned_minutes: 45 }, requestId: slowId });
      while ((await roundTrips(slowId)) < 1) await new Promise((resolve) => setTimeout(resolve, 25));
      const fast = await expectData<FocusSessionJson>(await client.request("POST", "/focus/sessions", { body: { planned_minutes: 20 } }), 201);
      const refused = await slow;
      expect(refused.status).toBe(409);
      const error = await errorOf(refused);
      expect(error.code).toBe("FOCUS_SESSION_RUNNING");
      expect(error.details).toEqual({ session: fast });
      expect(await sessionRows(client.userId)).toMatchObject([{ id: fast.id, status: "running" }]);
    } finally {
      await clearFault(fault);
    }
  });

  it("ten parallel starts → exactly one session", async () => {
    const client = await newClient();
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.request("POST", "/focus/sessions", { body: {} })));
    const unexpected = responses.find((r) => r.status !== 201 && r.status !== 409);
    if (unexpected) throw new Error(`${unexpected.status} ${await unexpected.text()}`);
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(await sessionRows(client.userId)).toHaveLength(1);
  });

  it("parallel ends of one session count its seconds once and answer the same session", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const t0 = Date.now();
    const session = await startAt(client, at(t0, 0), { task_id: task.id });
    const pinned = await clientAt(client, at(t0, 30));
    const responses = await Promise.all(Array.from({ length: 4 }, () => pinned.request("POST", `/focus/sessions/${session.id}/end`)));
    const results = await Promise.all(responses.map((r) => expectData<EndedJson>(r)));
    for (const result of results) expect(result.session).toEqual(results[0]?.session);
    expect(results[0]?.session).toMatchObject({ status: "completed", elapsed_seconds: 1800 });
    expect((await focusTime(task.id)).focus_time_seconds).toBe(1800);
  });
});
