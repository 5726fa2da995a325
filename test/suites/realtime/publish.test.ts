import { afterEach, describe, expect, it, vi } from "vitest";
import { configureHubForTest } from "../../../durable-objects/user-hub/client";
import { testEnv } from "../../support/env";
import { createTask, expectData, newClient, type TaskJson } from "../../support/factories";
import { captureLogs } from "../../support/logs";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { createTemplate, pinned } from "../templates/support";
import { trackStreams } from "./helpers";

/** docs/reminders-notifications-realtime.md "Publishing": after the commit, one hub call per write, best effort. */
const stream = trackStreams();

afterEach(() => {
  vi.restoreAllMocks();
});

interface Notification {
  id: string;
  kind: string;
  title: string;
}

/** Waits until a log line matching `match` was printed (after-commit work runs after the response). */
async function untilLogged(logs: ReturnType<typeof captureLogs>, match: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const line = logs.lines().find(match);
    if (line !== undefined) return line;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  throw new Error(`no such log line; logged:\n${logs.text()}`);
}

describe("publishing after the commit", () => {
  it("an achievement unlocked by a completion reaches the stream as achievement.unlocked and notification.created", async () => {
    const client = await newClient();
    const s = await stream({ accessToken: client.accessToken });
    const tasks: TaskJson[] = [];
    for (let i = 0; i < 5; i += 1) tasks.push(await createTask(client, { title: `t${i}` }));
    await s.events(5);
    for (const task of tasks.slice(0, 4)) await expectData(await client.request("POST", `/tasks/${task.id}/complete`));
    await s.events(4);
    const fifth = await expectData<{ unlocked_achievements: { id: string }[] }>(await client.request("POST", `/tasks/${tasks[4]?.id ?? ""}/complete`));
    expect(fifth.unlocked_achievements.map((a) => a.id)).toEqual(["tasks_5"]);

    const frames = await s.events(3);
    expect(frames.map((f) => f.event)).toEqual(["task.completed", "achievement.unlocked", "notification.created"]);
    expect(JSON.parse(frames[1]?.data ?? "")).toEqual(fifth.unlocked_achievements[0]);
    // The notification exactly as the API lists it.
    const listed = await expectData<Notification[]>(await client.request("GET", "/notifications"));
    expect(listed).toHaveLength(1);
    expect(JSON.parse(frames[2]?.data ?? "")).toEqual(listed[0]);
  });

  it("a failed or slow publish is logged and never fails the write; the hub works again afterwards", async () => {
    const client = await newClient();
    const s = await stream({ accessToken: client.accessToken });
    const logs = captureLogs();

    await configureHubForTest(testEnv, client.userId, { publishFault: "fail" });
    const failedId = newRequestId("publish-fails");
    const kept = await expectData<TaskJson>(await client.request("POST", "/tasks", { body: { title: "kept" }, requestId: failedId }), 201);
    const failure = await untilLogged(logs, (line) => line.outcome === "realtime_publish_failed" && String(line.request_id).startsWith(failedId));
    expect(failure).toMatchObject({ level: "warn", reason: "error", user_id: client.userId, events: 1 });
    expect(await roundTrips(failedId)).toBe(2);
    expect((await expectData<TaskJson>(await client.request("GET", `/tasks/${kept.id}`))).title).toBe("kept");

    await configureHubForTest(testEnv, client.userId, { publishFault: "slow" });
    const slowId = newRequestId("publish-slow");
    await expectData<TaskJson>(await client.request("POST", "/tasks", { body: { title: "slow" }, requestId: slowId }), 201);
    const timeout = await untilLogged(logs, (line) => line.outcome === "realtime_publish_failed" && String(line.request_id).startsWith(slowId));
    expect(timeout).toMatchObject({ reason: "timeout" });

    await configureHubForTest(testEnv, client.userId, { publishFault: null });
    const after = await createTask(client, { title: "after" });
    // The slow publish may still land late (it was only abandoned by the writer); the next event is then ours.
    let frame = await s.nextEvent();
    if (frame.data.includes('"title":"slow"')) frame = await s.nextEvent();
    expect(JSON.parse(frame.data)).toEqual(after);
    expect(s.text).not.toContain('"title":"kept"');
  });

  it("a queue consumer's write is published too: the recurring queue's new instance arrives as task.created", async () => {
    const client = await newClient({ tier: "pro" });
    const s = await stream({ accessToken: client.accessToken });
    const template = await createTemplate(await pinned(client, "2026-03-20T10:00:00Z"), {
      rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
      timezone: "Europe/Berlin",
      starts_at: "2026-03-01T00:00:00Z",
    });
    const instanceId = template.open_instance_id ?? "";
    let frame = await s.nextEvent(20_000);
    // Whatever the template's own write streams first, the queue's instance follows.
    for (let n = 0; n < 5 && !frame.data.includes(instanceId); n += 1) frame = await s.nextEvent(20_000);
    expect(frame.event).toBe("task.created");
    expect(JSON.parse(frame.data)).toMatchObject({ id: instanceId, template_id: template.id, occurrence_at: "2026-03-23T08:00:00.000Z" });
  });
});
