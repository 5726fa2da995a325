import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it } from "vitest";
import { registerEventHandler } from "../../../src/services/events/handlers";
import type { CompletionResult } from "../../../src/services/tasks/complete";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { createTask, expectData, newClient } from "../../support/factories";

/**
 * How a feature extends a write (services/events/handlers.ts): a handler registered for the length of a test
 * contributes a read to the write's first round trip and a response field to its answer – here the shape the
 * achievements feature will have – and the write still takes exactly its two round trips.
 */
let unregister: (() => void) | undefined;
afterEach(() => {
  unregister?.();
  unregister = undefined;
});

describe("event handlers extend a write", () => {
  it("a handler's read rides in round trip 1 and its response field reaches the answer and the replay", async () => {
    unregister = registerEventHandler({
      name: "probe_achievements",
      open(unit) {
        if (unit.operation !== "tasks.complete" || unit.userId === undefined) return undefined;
        const done = unit.read(
          unit.ctx.db.execute<{ done: number }>(sql`select count(*)::int as done from task_instances where user_id = ${unit.userId} and completed`),
        );
        return (events) => {
          if (!events.some((event) => event.type === "task.completed")) return;
          const total = (done.result.rows[0]?.done ?? 0) + 1;
          unit.fields.unlocked_achievements = [
            { id: "probe_first_steps", name: `Completed ${total}`, description: "Contributed by a test handler.", perk: { type: "max_tasks", value: total } },
          ];
        };
      },
    });
    const client = await newClient();
    await createTask(client, { title: "Earlier" }).then((task) => client.request("POST", `/tasks/${task.id}/complete`));
    const task = await createTask(client, { title: "Now" });

    const requestId = newRequestId("handler");
    const key = crypto.randomUUID();
    const response = await client.request("POST", `/tasks/${task.id}/complete`, { requestId, key });
    const text = await response.clone().text();
    const result = await expectData<CompletionResult>(response);
    expect(result.task.completed).toBe(true);
    expect(result.unlocked_achievements).toEqual([expect.objectContaining({ id: "probe_first_steps", name: "Completed 2" })]);
    expect(await roundTrips(requestId)).toBe(2);

    const replay = await client.request("POST", `/tasks/${task.id}/complete`, { key });
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.text()).toBe(text);
  });

  it("a handler that is not interested in the operation adds nothing (reopen keeps its answer)", async () => {
    let opened = 0;
    unregister = registerEventHandler({
      name: "probe_counter",
      open(unit) {
        opened += 1;
        return unit.operation === "tasks.complete" ? () => undefined : undefined;
      },
    });
    const client = await newClient();
    const task = await createTask(client, { title: "Reopen me" });
    await client.request("POST", `/tasks/${task.id}/complete`);
    const requestId = newRequestId("handler-reopen");
    const reopened = await expectData<CompletionResult>(await client.request("POST", `/tasks/${task.id}/reopen`, { requestId }));
    expect(reopened).toMatchObject({ unlocked_achievements: [], next_instance: null });
    expect(await roundTrips(requestId)).toBe(2);
    expect(opened).toBeGreaterThanOrEqual(3);
  });
});
