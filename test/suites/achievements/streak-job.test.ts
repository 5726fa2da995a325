import { describe, expect, it } from "vitest";
import { runOnly, worker } from "../../support/scheduled";
import { DAILY } from "../../../cron";
import { insertUser, rows, sql, testDb } from "../platform/database";

/**
 * The daily `streak_calculate` job through the Worker's real `scheduled` entry, as of chosen instants (far in
 * the past, so the job – which acts on every user – touches only the rows seeded here), without the other
 * daily jobs. Over HTTP against its own stack with the whole daily trigger: test/node/daily-jobs.test.ts.
 */

const db = testDb("streak-job");

async function seedStreak(userId: string, streak: number, lastDay: string): Promise<void> {
  await db.execute(sql`
    insert into user_achievement_states (user_id, lifetime_tasks_completed, current_streak, longest_streak, last_completion_date)
    values (${userId}, ${streak}, ${streak}, ${streak}, ${lastDay}::date)
    on conflict (user_id) do update set current_streak = excluded.current_streak, last_completion_date = excluded.last_completion_date`);
}

const stateOf = async (userId: string) =>
  (await rows<{ current_streak: number; longest_streak: number }>(db, sql`
    select current_streak, longest_streak from user_achievement_states where user_id = ${userId}`))[0];

describe("scheduled: daily streak_calculate (docs/achievements-and-streaks.md)", () => {
  runOnly(DAILY, ["streak_calculate"]);

  it("a streak of 3 survives the run for the next day and is reset by the run two days later; longest is kept", async () => {
    const userId = await insertUser(db);
    await seedStreak(userId, 3, "2019-05-10");

    await worker.scheduled({ cron: DAILY, scheduledTime: new Date("2019-05-11T00:00:00Z") });
    expect(await stateOf(userId)).toEqual({ current_streak: 3, longest_streak: 3 });

    await worker.scheduled({ cron: DAILY, scheduledTime: new Date("2019-05-12T00:00:00Z") });
    expect(await stateOf(userId)).toEqual({ current_streak: 0, longest_streak: 3 });
  });

  it("runs once per date: a repeated or late trigger for the same date resets nothing again", async () => {
    const userId = await insertUser(db);
    await seedStreak(userId, 2, "2019-06-01");
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date("2019-06-03T00:00:00Z") });
    expect(await stateOf(userId)).toMatchObject({ current_streak: 0 });

    // The user's streak moves again (as a completion would); a late duplicate trigger for 06-03 leaves it alone.
    await seedStreak(userId, 1, "2019-06-01");
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date("2019-06-03T00:04:00Z") });
    expect(await stateOf(userId)).toMatchObject({ current_streak: 1 });
    const runs = await rows<{ n: string }>(db, sql`select count(*) as n from job_runs where job = 'streak_calculate' and run_date = '2019-06-03'`);
    expect(runs).toEqual([{ n: "1" }]);
  });
});
