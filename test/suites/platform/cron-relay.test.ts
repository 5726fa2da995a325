import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runOnly, worker } from "../../support/scheduled";
import { EVERY_MINUTE } from "../../../cron";
import { messageHandlers } from "../../../queues/consumers";
import type { QueueMessage } from "../../../queues/messages";
import type { Bindings } from "../../../src/env";
import { insertUser, isoAgo, rows, sql, testDb } from "./database";

/**
 * The minute Cron Trigger through the Worker's real default export: `relay_outbox` sends due, unsent outbox
 * rows to their Queues and marks them sent. The sends are observed where production would see them – the
 * same Worker's queue consumer (wrangler.toml consumes all three queues), reached through Miniflare's real
 * queue broker – by registering a recording consumer for each message type for the length of a test.
 */
const bindings = env as unknown as Bindings;

const received: QueueMessage[] = [];
// The build's own consumers (recurring templates register one), put back after each test.
const builtIn = { ...messageHandlers };
const record = async ({ message }: { message: QueueMessage }): Promise<void> => {
  received.push(message);
};

afterEach(() => {
  delete messageHandlers.reminder_fire;
  delete messageHandlers.recurring_task_generate;
  delete messageHandlers.push_deliver;
  Object.assign(messageHandlers, builtIn);
  received.length = 0;
  vi.restoreAllMocks();
});

function listen(): void {
  messageHandlers.reminder_fire = record;
  messageHandlers.recurring_task_generate = record;
  messageHandlers.push_deliver = record;
}

type Topic = "reminders" | "recurring" | "push";

async function outbox(db: ReturnType<typeof testDb>, userId: string, topic: Topic, message: QueueMessage, availableAt: string): Promise<string> {
  const [row] = await rows<{ id: string }>(
    db,
    sql`insert into outbox (user_id, topic, message, available_at)
        values (${userId}, ${topic}, ${JSON.stringify(message)}::jsonb, ${availableAt}::timestamptz) returning id`,
  );
  if (!row) throw new Error("outbox insert returned no row");
  return row.id;
}

const state = async (db: ReturnType<typeof testDb>, id: string) => {
  const [row] = await rows<{ sent: boolean; attempts: number; last_error: string | null }>(
    db,
    sql`select sent_at is not null as sent, attempts, last_error from outbox where id = ${id}`,
  );
  return row;
};

/** Waits until the consumer has seen every expected message (the broker batches for up to 5 s). */
async function deliveries(expected: QueueMessage[], timeoutMs = 20_000): Promise<QueueMessage[]> {
  const deadline = Date.now() + timeoutMs;
  const mine = () => received.filter((message) => expected.some((wanted) => JSON.stringify(wanted) === JSON.stringify(message)));
  while (mine().length < expected.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
  return mine();
}

describe("scheduled: minute relay_outbox", () => {
  // The minute trigger runs every sweep over the shared database: here only the one under test.
  runOnly(EVERY_MINUTE, ["relay_outbox"]);

  it("sends due unsent rows to their queues, marks them sent, and leaves rows not yet due alone", async () => {
    listen();
    const db = testDb("cron-relay");
    const userId = await insertUser(db);
    const reminder: QueueMessage = { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() };
    const recurring: QueueMessage = { type: "recurring_task_generate", template_id: crypto.randomUUID() };
    const push: QueueMessage = { type: "push_deliver", notification_id: crypto.randomUUID() };
    const later: QueueMessage = { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() };
    const due = [
      await outbox(db, userId, "reminders", reminder, isoAgo(60_000)),
      await outbox(db, userId, "recurring", recurring, isoAgo(1_000)),
      await outbox(db, userId, "push", push, isoAgo(5_000)),
    ];
    const notYetDue = await outbox(db, userId, "reminders", later, isoAgo(-3_600_000));

    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date() });

    for (const id of due) expect(await state(db, id)).toEqual({ sent: true, attempts: 1, last_error: null });
    expect(await state(db, notYetDue)).toEqual({ sent: false, attempts: 0, last_error: null });
    expect(await deliveries([reminder, recurring, push])).toHaveLength(3);

    // A second run sends nothing again: sent rows are done, the future row is still not due.
    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date() });
    for (const id of due) expect(await state(db, id)).toMatchObject({ sent: true, attempts: 1 });
    expect(await state(db, notYetDue)).toEqual({ sent: false, attempts: 0, last_error: null });
    expect(received.filter((message) => JSON.stringify(message) === JSON.stringify(later))).toEqual([]);
  });

  it("keeps a row whose queue refused the send unsent, with the error, and still sends the others", async () => {
    listen();
    const db = testDb("cron-relay-fail");
    const userId = await insertUser(db);
    const push: QueueMessage = { type: "push_deliver", notification_id: crypto.randomUUID() };
    const reminder: QueueMessage = { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() };
    const refused = await outbox(db, userId, "push", push, isoAgo(1_000));
    const sent = await outbox(db, userId, "reminders", reminder, isoAgo(1_000));
    vi.spyOn(bindings.PUSH_QUEUE, "sendBatch").mockRejectedValueOnce(new Error("Queue push is unavailable"));

    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date() });

    expect(await state(db, refused)).toEqual({ sent: false, attempts: 1, last_error: "Queue push is unavailable" });
    expect(await state(db, sent)).toEqual({ sent: true, attempts: 1, last_error: null });
    expect(await deliveries([reminder])).toHaveLength(1);
    // The claim's lease (available_at moved 120 s ahead) keeps the next minute from re-sending it at once.
    const [lease] = await rows<{ leased: boolean }>(db, sql`select available_at > now() + interval '60 seconds' as leased from outbox where id = ${refused}`);
    expect(lease).toEqual({ leased: true });
  });
});
