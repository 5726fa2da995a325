import { afterEach, describe, expect, it } from "vitest";
import { registerEventHandler } from "../../../src/services/events/handlers";
import type { AchievementView, UserStats } from "../../../src/services/achievements/read";
import type { DomainEvent } from "../../../src/services/events/types";
import { roundTrips } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";
import { clientAt, createSubtask, createTask, dbRows, errorOf, expectData, newClient, sql, type TaskJson, type TestClient } from "../../support/factories";

/** docs/achievements-and-streaks.md: unlocks inline and exactly once, perks, lifetime counting, streaks, reads. */
interface Unlocked {
  id: string;
  name: string;
  description: string;
  perk: { type: string; value: number };
}
interface Completion {
  task: TaskJson;
  unlocked_achievements: Unlocked[];
  next_instance: TaskJson | null;
}
type Achievement = AchievementView;
type Stats = UserStats;

const complete = async (client: TestClient, id: string, requestId?: string) =>
  expectData<Completion>(await client.request("POST", `/tasks/${id}/complete`, requestId === undefined ? {} : { requestId }));

async function createTasks(client: TestClient, count: number): Promise<TaskJson[]> {
  const tasks: TaskJson[] = [];
  for (let i = 0; i < count; i += 1) tasks.push(await createTask(client, { title: `task ${i + 1}` }));
  return tasks;
}

const unlockRows = (userId: string, achievementId: string) =>
  dbRows<{ n: string }>(sql`select count(*) as n from user_achievements where user_id = ${userId} and achievement_id = ${achievementId}`);
const notificationRows = (userId: string, achievementId: string) =>
  dbRows<{ title: string; type: string }>(sql`select title, type from notifications where user_id = ${userId} and data->>'achievement_id' = ${achievementId}`);

describe("achievements – unlocking (docs/achievements-and-streaks.md)", () => {
  it("completing the 5th task answers tasks_5 inline, raises max_tasks by 15 at once, and notifies once", async () => {
    const client = await newClient();
    const tasks = await createTasks(client, 5);
    for (const task of tasks.slice(0, 4)) expect((await complete(client, task.id)).unlocked_achievements).toEqual([]);
    const before = await expectData<{ limits: { max_tasks: number } }>(await client.request("GET", "/users/me/limits"));

    const requestId = newRequestId("unlock-5th");
    const fifth = await complete(client, (tasks[4] as TaskJson).id, requestId);
    expect(fifth.unlocked_achievements).toEqual([
      { id: "tasks_5", name: "Task Starter", description: "Complete 5 tasks.", perk: { type: "max_tasks", value: 15 } },
    ]);
    // Achievements and the streak ride in the completion's own two round trips.
    expect(await roundTrips(requestId)).toBe(2);

    const after = await expectData<{ limits: { max_tasks: number }; perks: { max_tasks: number } }>(await client.request("GET", "/users/me/limits"));
    expect(after.limits.max_tasks).toBe(before.limits.max_tasks + 15);
    expect(after.perks.max_tasks).toBe(15);
    expect(await notificationRows(client.userId, "tasks_5")).toEqual([{ title: "Achievement unlocked: Task Starter", type: "achievement" }]);

    // A 6th completion unlocks nothing more.
    const sixth = await createTask(client);
    expect((await complete(client, sixth.id)).unlocked_achievements).toEqual([]);
    expect(await unlockRows(client.userId, "tasks_5")).toEqual([{ n: "1" }]);
  });

  it("10 parallel completions crossing the threshold: the unlock is in exactly one response, one row, one notification", async () => {
    const client = await newClient();
    const tasks = await createTasks(client, 12);
    await complete(client, (tasks[0] as TaskJson).id);
    await complete(client, (tasks[1] as TaskJson).id);

    const responses = await Promise.all(tasks.slice(2).map((task) => client.request("POST", `/tasks/${task.id}/complete`)));
    const bodies: Completion[] = [];
    for (const response of responses) bodies.push(await expectData<Completion>(response));
    const unlocks = bodies.flatMap((body) => body.unlocked_achievements.map((achievement) => achievement.id));
    expect(unlocks).toEqual(["tasks_5"]);
    expect(await unlockRows(client.userId, "tasks_5")).toEqual([{ n: "1" }]);
    expect(await notificationRows(client.userId, "tasks_5")).toHaveLength(1);
    const stats = await expectData<Stats>(await client.request("GET", "/users/me/stats"));
    expect(stats.tasks_completed).toBe(12);
    expect(stats.achievements_unlocked).toBe(1);
  });

  it("reopening and completing again does not count the task twice toward lifetime completions", async () => {
    const client = await newClient();
    const [first, second] = await createTasks(client, 2);
    if (!first || !second) throw new Error("tasks not created");
    await complete(client, first.id);
    for (let round = 0; round < 5; round += 1) {
      await expectData(await client.request("POST", `/tasks/${first.id}/reopen`));
      expect((await complete(client, first.id)).unlocked_achievements).toEqual([]);
    }
    await complete(client, second.id);
    const stats = await expectData<Stats>(await client.request("GET", "/users/me/stats"));
    expect(stats.tasks_completed).toBe(2);
    expect(await unlockRows(client.userId, "tasks_5")).toEqual([{ n: "0" }]);
  });

  it("auto-completion (last subtask ticked) and force-complete count; completing a completed task does not", async () => {
    const client = await newClient();
    const auto = await createTask(client);
    const subtask = await createSubtask(client, auto.id);
    const ticked = await expectData<{ task: TaskJson; unlocked_achievements: Unlocked[] }>(
      await client.request("PATCH", `/subtasks/${subtask.id}`, { body: { completed: true, version: subtask.version } }),
    );
    expect(ticked.task.completed_by).toBe("auto");
    const forced = await createTask(client);
    await createSubtask(client, forced.id);
    await expectData(await client.request("POST", `/tasks/${forced.id}/force-complete`));
    await complete(client, forced.id);
    const stats = await expectData<Stats>(await client.request("GET", "/users/me/stats"));
    expect(stats.tasks_completed).toBe(2);
  });
});

describe("achievements – the unlock's event and its replay", () => {
  let unregister: (() => void) | undefined;
  afterEach(() => unregister?.());

  it("an unlock emits achievement.unlocked in its write; a replay answers it again without a second unlock", async () => {
    const client = await newClient();
    const seen: DomainEvent[] = [];
    unregister = registerEventHandler({
      name: "probe_unlock_events",
      open: (unit) => (unit.userId === client.userId ? (events) => void seen.push(...events.filter((event) => event.type === "achievement.unlocked")) : undefined),
    });
    const tasks = await createTasks(client, 5);
    for (const task of tasks.slice(0, 4)) await complete(client, task.id);
    const key = crypto.randomUUID();
    const first = await client.request("POST", `/tasks/${(tasks[4] as TaskJson).id}/complete`, { key });
    const firstText = await first.text();
    const replay = await client.request("POST", `/tasks/${(tasks[4] as TaskJson).id}/complete`, { key });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.text()).toBe(firstText);
    expect(seen).toEqual([{ type: "achievement.unlocked", achievement: expect.objectContaining({ id: "tasks_5" }) }]);
    expect(await unlockRows(client.userId, "tasks_5")).toEqual([{ n: "1" }]);
    expect(await notificationRows(client.userId, "tasks_5")).toHaveLength(1);
  });
});

describe("streaks in UTC days (docs/achievements-and-streaks.md)", () => {
  it("consecutive UTC days build the streak, streak_3 unlocks on the 3rd day, a missed day restarts it, longest is kept", async () => {
    const client = await newClient();
    const tasks = await createTasks(client, 6);
    const on = async (at: string, task: TaskJson) => {
      const pinned = await clientAt(client, at);
      return expectData<Completion>(await pinned.request("POST", `/tasks/${task.id}/complete`));
    };
    const stats = async (at: string) => expectData<Stats>(await (await clientAt(client, at)).request("GET", "/users/me/stats"));
    // Late evening and early morning UTC: the UTC day decides, not the time between completions.
    const day1 = await on("2026-03-01T23:50:00Z", tasks[0] as TaskJson);
    expect(day1.unlocked_achievements).toEqual([]);
    await on("2026-03-02T00:05:00Z", tasks[1] as TaskJson);
    await on("2026-03-02T18:00:00Z", tasks[2] as TaskJson);
    expect(await stats("2026-03-02T18:00:00Z")).toMatchObject({ current_streak: 2, longest_streak: 2, last_completion_day: "2026-03-02" });
    const day3 = await on("2026-03-03T12:00:00Z", tasks[3] as TaskJson);
    expect(day3.unlocked_achievements.map((achievement) => achievement.id)).toEqual(["streak_3"]);
    expect(await stats("2026-03-04T23:00:00Z")).toMatchObject({ current_streak: 3 });
    // 03-04 missed: on 03-05 the streak shows as broken even before the daily job ran, and restarts at 1.
    expect(await stats("2026-03-05T08:00:00Z")).toMatchObject({ current_streak: 0, longest_streak: 3 });
    await on("2026-03-05T09:00:00Z", tasks[4] as TaskJson);
    expect(await stats("2026-03-05T09:00:00Z")).toMatchObject({ current_streak: 1, longest_streak: 3, last_completion_day: "2026-03-05", tasks_completed: 5 });
  });

  it("reopening a task does not un-count a day already counted", async () => {
    const client = await newClient();
    const [task] = await createTasks(client, 1);
    if (!task) throw new Error("task not created");
    const day1 = await clientAt(client, "2026-04-10T10:00:00Z");
    await expectData(await day1.request("POST", `/tasks/${task.id}/complete`));
    await expectData(await day1.request("POST", `/tasks/${task.id}/reopen`));
    const day2 = await clientAt(client, "2026-04-11T10:00:00Z");
    await expectData(await day2.request("POST", `/tasks/${task.id}/complete`));
    expect(await expectData<Stats>(await day2.request("GET", "/users/me/stats"))).toMatchObject({ current_streak: 2, tasks_completed: 1 });
  });
});

describe("GET /achievements and GET /users/me/stats", () => {
  it("lists the catalogue with progress and unlock state, one round trip each", async () => {
    const client = await newClient();
    const tasks = await createTasks(client, 6);
    for (const task of tasks) await complete(client, task.id);
    const listId = newRequestId("achievements-list");
    const list = await expectData<Achievement[]>(await client.request("GET", "/achievements", { requestId: listId }));
    expect(await roundTrips(listId)).toBe(1);
    expect(list.map((achievement) => achievement.id)).toEqual(["tasks_5", "tasks_25", "tasks_100", "streak_3", "streak_7", "streak_30", "focus_10", "notes_converted_5"]);
    expect(list[0]).toMatchObject({ id: "tasks_5", metric: "tasks_completed", threshold: 5, progress: 5, unlocked: true, perk: { type: "max_tasks", value: 15 } });
    expect(list[0]?.unlocked_at).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(list[1]).toMatchObject({ id: "tasks_25", progress: 6, unlocked: false, unlocked_at: null });
    expect(list[3]).toMatchObject({ id: "streak_3", progress: 1, unlocked: false });

    const statsId = newRequestId("stats");
    const stats = await expectData<Stats>(await client.request("GET", "/users/me/stats", { requestId: statsId }));
    expect(await roundTrips(statsId)).toBe(1);
    expect(stats).toEqual({
      tasks_completed: 6,
      current_streak: 1,
      longest_streak: 1,
      last_completion_day: new Date().toISOString().slice(0, 10),
      focus_sessions_completed: 0,
      focus_seconds_total: 0,
      notes_converted: 0,
      achievements_unlocked: 1,
    });
  });

  it("a new user has zero progress; another user's progress never shows", async () => {
    const busy = await newClient();
    for (const task of await createTasks(busy, 5)) await complete(busy, task.id);
    const fresh = await newClient();
    const list = await expectData<Achievement[]>(await fresh.request("GET", "/achievements"));
    expect(list.every((achievement) => achievement.progress === 0 && !achievement.unlocked)).toBe(true);
    expect(await expectData<Stats>(await fresh.request("GET", "/users/me/stats"))).toMatchObject({ tasks_completed: 0, current_streak: 0, achievements_unlocked: 0, last_completion_day: null });
  });

  it("401 without a token", async () => {
    for (const path of ["/api/v1/achievements", "/api/v1/users/me/stats"]) {
      const response = await call(path, { invalid: true });
      expect(response.status).toBe(401);
      expect((await errorOf(response)).code).toBe("UNAUTHORIZED");
    }
  });
});
