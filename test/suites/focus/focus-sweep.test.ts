import { describe, expect, it } from "vitest";
import { runOnly, worker } from "../../support/scheduled";
import { EVERY_MINUTE } from "../../../cron";
import { createTask, dbRows, newClient, sql } from "../../support/factories";
import { activityFor, focusTime } from "./support";


async function seedRunning(userId: string, taskId: string | null, startedAt: string, plannedMinutes: number): Promise<string> {
  const [row] = await dbRows<{ id: string }>(sql`
    insert into focus_sessions (user_id, task_id, planned_minutes, started_at, status)
    values (${userId}, ${taskId}, ${plannedMinutes}, ${startedAt}::timestamptz, 'running') returning id`);
  if (!row) throw new Error("seed failed");
  return row.id;
}

const session = async (id: string) =>
  (await dbRows<{ status: string; elapsed_seconds: number | null; ended_at: string | null }>(
    sql`select status, elapsed_seconds, to_char(ended_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as ended_at from focus_sessions where id = ${id}`,
  ))[0];

/**
 * The minute Cron Trigger through the Worker's real default export: `abandon_focus_sessions` closes every
 * session still running at started_at + planned + 60 min as `abandoned` with its planned time, adds that to
 * the task, once. The job runs as of its scheduled time; seeded times are relative to it.
 */
describe("scheduled: minute abandon_focus_sessions", () => {
  // The minute trigger runs every sweep over the shared database: here only the one under test.
  runOnly(EVERY_MINUTE, ["abandon_focus_sessions"]);

  it("abandons overdue sessions once (run twice), adds their planned time, leaves the others running", async () => {
    const scheduled = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const minutesAgo = (minutes: number) => new Date(scheduled.getTime() - minutes * 60_000).toISOString();
    const a = await newClient();
    const b = await newClient();
    const c = await newClient();
    const taskA = await createTask(a, { title: "A" });
    const taskB = await createTask(b, { title: "B" });
    const taskC = await createTask(c, { title: "C" });
    // a: 25 planned, started 86 min ago → deadline 1 min ago. b: 10 planned, exactly at its deadline (70 min).
    // c: 25 planned, started 30 min ago → due in 55 min.
    const overdueA = await seedRunning(a.userId, taskA.id, minutesAgo(86), 25);
    const dueB = await seedRunning(b.userId, taskB.id, minutesAgo(70), 10);
    const notDue = await seedRunning(c.userId, taskC.id, minutesAgo(30), 25);

    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: scheduled });
    expect(await session(overdueA)).toEqual({ status: "abandoned", elapsed_seconds: 1500, ended_at: minutesAgo(1).replace(".000", "") });
    expect(await session(dueB)).toEqual({ status: "abandoned", elapsed_seconds: 600, ended_at: minutesAgo(0).replace(".000", "") });
    expect(await session(notDue)).toMatchObject({ status: "running", elapsed_seconds: null });
    expect(await focusTime(taskA.id)).toMatchObject({ focus_time_seconds: 1500, version: 1 });
    expect((await focusTime(taskB.id)).focus_time_seconds).toBe(600);
    expect((await focusTime(taskC.id)).focus_time_seconds).toBe(0);
    expect(await activityFor(overdueA)).toEqual([
      { action: "abandoned", actor: "system", changes: { elapsed_seconds: { from: null, to: 1500 }, task_id: { from: null, to: taskA.id } } },
    ]);

    // The same trigger again: nothing twice.
    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: scheduled });
    expect((await focusTime(taskA.id)).focus_time_seconds).toBe(1500);
    expect((await focusTime(taskB.id)).focus_time_seconds).toBe(600);
    expect(await activityFor(overdueA)).toHaveLength(1);
    expect(await session(notDue)).toMatchObject({ status: "running" });

    // Abandoned sessions are not completed ones, and the user may start again.
    const listed = (await (await a.request("GET", "/focus/sessions?status=completed")).json()) as { data: unknown[] };
    expect(listed.data).toEqual([]);
    expect((await a.request("POST", "/focus/sessions", { body: {} })).status).toBe(201);
    // A trigger at c's deadline closes it.
    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date(scheduled.getTime() + 55 * 60_000) });
    expect(await session(notDue)).toMatchObject({ status: "abandoned", elapsed_seconds: 1500 });
    expect((await focusTime(taskC.id)).focus_time_seconds).toBe(1500);
  });

  it("a session without a task is abandoned too", async () => {
    const client = await newClient();
    const scheduled = new Date(Math.floor(Date.now() / 60_000) * 60_000);
    const id = await seedRunning(client.userId, null, new Date(scheduled.getTime() - 3 * 3_600_000).toISOString(), 5);
    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: scheduled });
    expect(await session(id)).toMatchObject({ status: "abandoned", elapsed_seconds: 300 });
  });
});
