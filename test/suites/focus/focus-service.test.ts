import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { fixedClock } from "../../../src/lib/clock";
import { registerEventHandler } from "../../../src/services/events/handlers";
import type { DomainEvent } from "../../../src/services/events/types";
import { endFocusSession } from "../../../src/services/focus/end";
import { startFocusSession } from "../../../src/services/focus/start";
import { roundTrips } from "../../support/neon-control";
import { userServiceContext } from "../../support/service-context";
import { createTask, newClient } from "../../support/factories";
import { focusTime } from "./support";

/**
 * The focus services with a controllable clock (a fixed clock per call, as a request's X-Test-Now gives),
 * and the plug the achievements feature uses: a handler opened for `focus.end` reads in round trip 1, sees
 * the `focus.ended` event and puts `unlocked_achievements` into the answer – still two round trips.
 */
let unregister: (() => void) | undefined;
afterEach(() => {
  unregister?.();
  unregister = undefined;
});

function contextAt(userId: string, at: Date) {
  const { ctx, settled } = userServiceContext(userId);
  return { ctx: { ...ctx, clock: fixedClock(at) }, settled };
}

describe("focus services", () => {
  it("start and end as of the context's clock; a focus.end handler's unlocked_achievements reach the answer in 2 round trips", async () => {
    const seen: DomainEvent[] = [];
    unregister = registerEventHandler({
      name: "probe_focus_achievements",
      open(unit) {
        if (unit.operation !== "focus.end" || unit.userId === undefined) return undefined;
        const done = unit.read(
          unit.ctx.db.execute<{ done: number }>(sql`select count(*)::int as done from focus_sessions where user_id = ${unit.userId} and status = 'completed'`),
        );
        return (events) => {
          seen.push(...events);
          if (!events.some((event) => event.type === "focus.ended" && event.status === "completed")) return;
          const total = (done.result.rows[0]?.done ?? 0) + 1;
          unit.fields.unlocked_achievements = [
            { id: "probe_focus", name: `Focused ${total}`, description: "Contributed by a test handler.", perk: { type: "max_subtasks", value: 2 } },
          ];
        };
      },
    });
    const client = await newClient();
    const task = await createTask(client);
    const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);

    const starting = contextAt(client.userId, t0);
    const session = await startFocusSession({ ctx: starting.ctx, input: { taskId: task.id, plannedMinutes: 25 } });
    expect(session).toMatchObject({ status: "running", started_at: t0.toISOString(), planned_minutes: 25 });
    expect(await roundTrips(starting.ctx.requestId)).toBe(2);

    const ending = contextAt(client.userId, new Date(t0.getTime() + 25 * 60_000));
    const result = await endFocusSession({ ctx: ending.ctx, input: { id: session.id } });
    await ending.settled();
    expect(result.session).toMatchObject({ status: "completed", elapsed_seconds: 1500 });
    expect(result.unlocked_achievements).toEqual([expect.objectContaining({ id: "probe_focus", name: "Focused 1" })]);
    expect(await roundTrips(ending.ctx.requestId)).toBe(2);
    expect(seen).toEqual([{ type: "focus.ended", sessionId: session.id, taskId: task.id, status: "completed", elapsedSeconds: 1500 }]);
    expect((await focusTime(task.id)).focus_time_seconds).toBe(1500);

    // Ended again: answered as it is, no event, no achievement.
    const again = await endFocusSession({ ctx: contextAt(client.userId, new Date(t0.getTime() + 26 * 60_000)).ctx, input: { id: session.id } });
    expect(again).toEqual({ session: result.session, unlocked_achievements: [] });
    expect(seen).toHaveLength(1);
  });

  it("one second short of the planned time is ended_early, exactly the planned time is completed", async () => {
    const client = await newClient();
    const t0 = new Date(Math.floor(Date.now() / 1000) * 1000);
    const short = await startFocusSession({ ctx: contextAt(client.userId, t0).ctx, input: { plannedMinutes: 5 } });
    const early = await endFocusSession({ ctx: contextAt(client.userId, new Date(t0.getTime() + 299_999)).ctx, input: { id: short.id } });
    expect(early.session).toMatchObject({ status: "ended_early", elapsed_seconds: 299 });
    const next = await startFocusSession({ ctx: contextAt(client.userId, new Date(t0.getTime() + 300_000)).ctx, input: { plannedMinutes: 5 } });
    const done = await endFocusSession({ ctx: contextAt(client.userId, new Date(t0.getTime() + 600_000)).ctx, input: { id: next.id } });
    expect(done.session).toMatchObject({ status: "completed", elapsed_seconds: 300 });
  });
});
