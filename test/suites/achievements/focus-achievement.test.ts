import { describe, expect, it } from "vitest";
import { newRequestId } from "../../support/requests";
import { roundTrips } from "../../support/neon-control";
import { clientAt, createTask, dbRows, expectData, newClient, sql } from "../../support/factories";

/** docs/achievements-and-streaks.md: completed focus sessions count toward `focus_10`; early and abandoned ones do not. */
interface Ended {
  session: { id: string; status: string; elapsed_seconds: number };
  unlocked_achievements: { id: string; perk: { type: string; value: number } }[];
}

describe("focus_10 (docs/achievements-and-streaks.md)", () => {
  it("unlocks on the 10th completed session (test clock), not counting one ended early; raises max_subtasks at once", async () => {
    const client = await newClient();
    const task = await createTask(client);
    // Days ahead of the real clock: the minute sweep other files trigger (as of now) never sees these running
    // sessions as overdue.
    const base = Math.ceil(Date.now() / 3_600_000) * 3_600_000 + 3 * 86_400_000;
    const session = async (index: number, minutes: number, requestId?: string) => {
      const startAt = new Date(base + index * 3_600_000).toISOString();
      const endAt = new Date(base + index * 3_600_000 + minutes * 60_000).toISOString();
      const started = await expectData<{ id: string }>(
        await (await clientAt(client, startAt)).request("POST", "/focus/sessions", { body: { task_id: task.id, planned_minutes: 25 } }),
        201,
      );
      const ending = await clientAt(client, endAt);
      return expectData<Ended>(await ending.request("POST", `/focus/sessions/${started.id}/end`, requestId === undefined ? {} : { requestId }));
    };

    const early = await session(0, 10);
    expect(early.session.status).toBe("ended_early");
    expect(early.unlocked_achievements).toEqual([]);
    for (let index = 1; index <= 9; index += 1) expect((await session(index, 25)).unlocked_achievements).toEqual([]);
    const before = await expectData<{ limits: { max_subtasks: number } }>(await client.request("GET", "/users/me/limits"));

    const requestId = newRequestId("focus-10");
    const tenth = await session(10, 30, requestId);
    expect(tenth.session.status).toBe("completed");
    expect(tenth.unlocked_achievements).toEqual([expect.objectContaining({ id: "focus_10", perk: { type: "max_subtasks", value: 2 } })]);
    expect(await roundTrips(requestId)).toBe(2);

    const after = await expectData<{ limits: { max_subtasks: number } }>(await client.request("GET", "/users/me/limits"));
    expect(after.limits.max_subtasks).toBe(before.limits.max_subtasks + 2);
    const stats = await expectData<{ focus_sessions_completed: number; focus_seconds_total: number }>(await client.request("GET", "/users/me/stats"));
    expect(stats).toMatchObject({ focus_sessions_completed: 10, focus_seconds_total: 10 * 60 + 9 * 25 * 60 + 30 * 60 });
    expect(await dbRows(sql`select achievement_id from user_achievements where user_id = ${client.userId}`)).toEqual([{ achievement_id: "focus_10" }]);
  });
});
