import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runOnly, worker } from "../../support/scheduled";
import { EVERY_MINUTE } from "../../../cron";
import { messageHandlers } from "../../../queues/consumers";
import type { QueueMessage } from "../../../queues/messages";
import type { Bindings } from "../../../src/env";
import { fixedClock } from "../../../src/lib/clock";
import type { ServiceContext } from "../../../src/services/context";
import { RELAY_GRACE_SECONDS } from "../../../src/services/outbox/enqueue";
import { runWrite } from "../../../src/services/unit-of-work";
import { injectFault } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { userServiceContext } from "../../support/service-context";
import { insertUser, rows, sql, testDb } from "./database";

/**
 * The outbox as a service (src/services/outbox/): a message enqueued in a write is an outbox row of the same
 * commit batch, sent right after the commit (without waiting for the minute relay), and relayed by the cron
 * when that send failed or never happened. Deliveries are observed where production sees them: the Worker's
 * own queue consumer behind Miniflare's real queue broker.
 */
const bindings = env as unknown as Bindings;

const received: QueueMessage[] = [];
afterEach(() => {
  delete messageHandlers.reminder_fire;
  received.length = 0;
  vi.restoreAllMocks();
});
function listen(): void {
  messageHandlers.reminder_fire = async ({ message }) => {
    received.push(message);
  };
}

const context = userServiceContext;

const enqueueReminder = (ctx: ServiceContext, message: QueueMessage) =>
  runWrite(ctx, { operation: "test.enqueue" }, async (unit) => {
    unit.write(unit.ctx.db.execute(sql`select 1`));
    unit.enqueue(message);
    return {};
  });

async function outboxRow(message: QueueMessage) {
  const [row] = await rows<{ sent: boolean; attempts: number; last_error: string | null; topic: string }>(
    testDb("outbox"),
    sql`select sent_at is not null as sent, attempts, last_error, topic from outbox where message = ${JSON.stringify(message)}::jsonb`,
  );
  return row;
}

async function deliveries(expected: QueueMessage, timeoutMs = 20_000): Promise<QueueMessage[]> {
  const deadline = Date.now() + timeoutMs;
  const mine = () => received.filter((message) => JSON.stringify(message) === JSON.stringify(expected));
  while (mine().length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return mine();
}

describe("outbox: enqueue in a write", () => {
  // The minute trigger runs every sweep over the shared database: here only the one under test.
  runOnly(EVERY_MINUTE, ["relay_outbox"]);

  it("is sent right after the commit, without the cron, and its row is marked sent", async () => {
    listen();
    const userId = await insertUser(testDb("outbox"));
    const { ctx, settled } = context(userId);
    const message: QueueMessage = { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() };
    await enqueueReminder(ctx, message);
    await settled();
    expect(await outboxRow(message)).toEqual({ sent: true, attempts: 0, last_error: null, topic: "reminders" });
    expect(await deliveries(message)).toHaveLength(1);
  });

  it("is refused with the write when its body does not match its schema (nothing commits)", async () => {
    const userId = await insertUser(testDb("outbox"));
    const { ctx } = context(userId);
    const bad = { type: "reminder_fire", reminder_id: "not-a-uuid" } as unknown as QueueMessage;
    await expect(enqueueReminder(ctx, bad)).rejects.toThrow();
    expect(await outboxRow(bad)).toBeUndefined();
  });

  it("whose send fails after the commit stays unsent with the error, and the minute relay sends it", async () => {
    listen();
    const userId = await insertUser(testDb("outbox"));
    const { ctx, settled } = context(userId);
    const message: QueueMessage = { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() };
    vi.spyOn(bindings.REMINDERS_QUEUE, "sendBatch").mockRejectedValueOnce(new Error("Queue reminders is unavailable"));
    await enqueueReminder(ctx, message);
    await settled();
    expect(await outboxRow(message)).toEqual({ sent: false, attempts: 0, last_error: "Queue reminders is unavailable", topic: "reminders" });

    // The relay leaves a fresh row to its after-commit send for RELAY_GRACE_SECONDS, then sends it.
    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date(Date.now() + (RELAY_GRACE_SECONDS + 1) * 1000) });
    expect(await outboxRow(message)).toMatchObject({ sent: true, attempts: 1 });
    expect(await deliveries(message)).toHaveLength(1);
  });

  it("is not lost when the Worker dies between the commit and the send: the relay sends it", async () => {
    listen();
    const userId = await insertUser(testDb("outbox"));
    const requestId = newRequestId("outbox-died");
    const { ctx, settled } = context(userId, requestId);
    const message: QueueMessage = { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() };
    // The batch commits, but its answer never reaches the Worker – as if it died right after the commit.
    await injectFault({ mode: "after_commit", request_id: requestId, match: "insert into outbox", times: 1 });
    await expect(enqueueReminder(ctx, message)).rejects.toThrow();
    await settled();
    expect(await outboxRow(message)).toEqual({ sent: false, attempts: 0, last_error: null, topic: "reminders" });

    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date(Date.now() + (RELAY_GRACE_SECONDS + 1) * 1000) });
    expect(await outboxRow(message)).toMatchObject({ sent: true, attempts: 1 });
    expect(await deliveries(message)).toHaveLength(1);
  });

  it("a delayed message is sent with its delay and becomes the relay's only when due", async () => {
    const userId = await insertUser(testDb("outbox"));
    const { ctx, settled } = context(userId);
    const message: QueueMessage = { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() };
    const send = vi.spyOn(bindings.REMINDERS_QUEUE, "sendBatch");
    await runWrite({ ...ctx, clock: fixedClock(new Date()) }, { operation: "test.enqueue" }, async (unit) => {
      unit.write(unit.ctx.db.execute(sql`select 1`));
      unit.enqueue(message, { delaySeconds: 90 });
      return {};
    });
    await settled();
    expect(send).toHaveBeenCalledWith([{ body: message, delaySeconds: 90 }]);
    const [row] = await rows<{ due_in: number }>(
      testDb("outbox"),
      sql`select round(extract(epoch from available_at - created_at))::int as due_in from outbox where message = ${JSON.stringify(message)}::jsonb`,
    );
    expect(row?.due_in).toBe(90);
  });
});
