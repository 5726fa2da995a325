import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../../src/index";
import type { Bindings } from "../../../src/env";
import type { QueueMessage } from "../../../queues/messages";
import { EVERY_MINUTE } from "../../../cron";
import { roundTrips } from "../../support/neon-control";
import { runOnly, worker as scheduledWorker } from "../../support/scheduled";
import { createTask, dbRows, expectData, inDays, newClient, sql, type TestClient } from "../../support/factories";
import { endpointLog, subscribe } from "../push/support";
import { addReminder, pushMessagesFor, reminderNotifications, reminderRow, remindersOf, secondsAhead, sleep, waitForNotifications } from "./support";

/**
 * Firing through the real `reminders` queue of the local runtime (docs/reminders-notifications-realtime.md
 * "Firing, as built"): the after-commit send with `delaySeconds`, Miniflare's broker, the Worker's own queue
 * entry point and consumer.
 */
const bindings = env as unknown as Bindings;
const entry = worker as ExportedHandler<Bindings>;
runOnly(EVERY_MINUTE, ["reminders_sweep"]);

/** Delivers messages to the Worker's queue entry point as the runtime would, with ids the test chooses. */
async function deliver(messages: { id: string; body: QueueMessage }[]) {
  const batch = createMessageBatch("reminders", messages.map((message) => ({ ...message, attempts: 1, timestamp: new Date() })));
  const ctx = createExecutionContext();
  if (!entry.queue) throw new Error("the default export has no queue handler");
  await entry.queue(batch, bindings, ctx);
  return getQueueResult(batch, ctx);
}

/** A browser subscribed through the API, with a subscription minted by the push service fake. */
async function subscribeDevice(client: TestClient): Promise<void> {
  await subscribe(client);
}

describe("reminder firing", () => {
  it("a reminder 5 s ahead fires through the queue: its notification (and its push message) within 60 s, status sent", async () => {
    const client = await newClient();
    await subscribeDevice(client);
    const task = await createTask(client, { title: "Call the bank", due_date: inDays(1) });
    const reminder = await addReminder(client, task.id, { remind_at: secondsAhead(5) });
    const [notification] = await waitForNotifications([reminder.id]);
    if (!notification) throw new Error("no notification");
    const lateness = Date.parse(notification.created_at) - Date.parse(reminder.remind_at ?? "");
    console.log(`reminder lateness: ${lateness} ms`);
    expect(lateness).toBeGreaterThanOrEqual(-500);
    expect(notification).toMatchObject({ user_id: client.userId, title: "Reminder: Call the bank", read_at: null, data: { task_id: task.id, reminder_id: reminder.id } });
    expect(await pushMessagesFor(notification.id)).toBe(1);
    const [listed] = await remindersOf(client, task.id);
    expect(listed).toMatchObject({ status: "sent" });
    expect(listed?.sent_at).toBe(new Date(notification.created_at).toISOString());
    const page = await expectData<{ id: string; kind: string }[]>(await client.request("GET", "/notifications"));
    expect(page[0]).toMatchObject({ id: notification.id, kind: "reminder" });
  });

  it("with a real browser subscription: the push service decrypts the reminder's notification (VAPID checked by the fake)", async () => {
    const client = await newClient();
    const { minted } = await subscribe(client);
    const task = await createTask(client, { title: "Water the plants" });
    const reminder = await addReminder(client, task.id, { remind_at: secondsAhead(3) });
    const [notification] = await waitForNotifications([reminder.id]);
    const deadline = Date.now() + 30_000;
    let log = await endpointLog(minted.endpoint);
    while (log.received.length === 0 && Date.now() < deadline) {
      await sleep(200);
      log = await endpointLog(minted.endpoint);
    }
    expect(log.rejected).toEqual([]);
    expect(log.received).toHaveLength(1);
    const payload = JSON.parse(log.received[0]?.payload ?? "{}") as Record<string, unknown>;
    expect(payload).toMatchObject({ id: notification?.id, kind: "reminder", title: "Reminder: Water the plants", data: { reminder_id: reminder.id } });
    expect(log.received[0]?.urgency).toBe("high");
  });

  it("completed, or deleted, before it is due: no notification; the completed task's reminder is cancelled, the deleted one comes back cancelled", async () => {
    const client = await newClient();
    const done = await createTask(client);
    const gone = await createTask(client);
    const a = await addReminder(client, done.id, { remind_at: secondsAhead(3) });
    const b = await addReminder(client, gone.id, { remind_at: secondsAhead(3) });
    await expectData(await client.request("POST", `/tasks/${done.id}/complete`));
    const deleted = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${gone.id}`));
    // A fire message for each arrives anyway (the ones sent on create): they find a cancelled and a missing reminder.
    await deliver([
      { id: `cancelled-${a.id}`, body: { type: "reminder_fire", reminder_id: a.id, user_id: client.userId, remind_at: a.remind_at ?? "" } },
      { id: `gone-${b.id}`, body: { type: "reminder_fire", reminder_id: b.id, user_id: client.userId, remind_at: b.remind_at ?? "" } },
    ]);
    await sleep(5_000);
    expect(await reminderNotifications([a.id, b.id])).toEqual([]);
    expect((await remindersOf(client, done.id))[0]).toMatchObject({ id: a.id, status: "cancelled", sent_at: null });
    await expectData(await client.request("POST", `/recovery/${deleted.tombstone_id}/restore`));
    expect((await remindersOf(client, gone.id))[0]).toMatchObject({ id: b.id, status: "cancelled", sent_at: null });
    expect(await reminderNotifications([a.id, b.id])).toEqual([]);
  });

  it("the fire message delivered 5 times (in parallel, and again later) → one notification, one push message; ≤ 2 round trips each", async () => {
    const client = await newClient();
    await subscribeDevice(client);
    const task = await createTask(client);
    const reminder = await addReminder(client, task.id, { remind_at: secondsAhead(2) });
    await sleep(2_100);
    const body: QueueMessage = { type: "reminder_fire", reminder_id: reminder.id, user_id: client.userId, remind_at: reminder.remind_at ?? "" };
    const ids = Array.from({ length: 5 }, (_, i) => `dup-${i}-${reminder.id}`);
    const results = await Promise.all(ids.map((id) => deliver([{ id, body }])));
    for (const result of results) expect(result.explicitAcks).toHaveLength(1);
    for (const id of ids) expect(await roundTrips(`queue:reminders:${id}`)).toBeLessThanOrEqual(2);
    await bindings.REMINDERS_QUEUE.sendBatch(ids.map(() => ({ body })));
    await sleep(3_000);
    const notifications = await reminderNotifications([reminder.id]);
    expect(notifications).toHaveLength(1);
    expect(await pushMessagesFor(notifications[0]?.id ?? "")).toBe(1);
  });

  it("50 reminders due in the same minute → 50 notifications", async () => {
    const client = await newClient({ tier: "pro" });
    const tasks = await Promise.all(Array.from({ length: 10 }, (_, i) => createTask(client, { title: `Batch ${i}` })));
    const reminders = await Promise.all(
      tasks.flatMap((task, t) => Array.from({ length: 5 }, (_, r) => addReminder(client, task.id, { remind_at: secondsAhead(8 + ((t * 5 + r) % 3)), channel: "in_app" }))),
    );
    const rows = await waitForNotifications(reminders.map((reminder) => reminder.id));
    expect(rows).toHaveLength(50);
    expect(new Set(rows.map((row) => row.data.reminder_id)).size).toBe(50);
    for (const row of rows) expect(await pushMessagesFor(row.id)).toBe(0);
  });

  it("moving the due date moves a relative reminder, and the message for the old time does nothing", async () => {
    const client = await newClient();
    const due = secondsAhead(3_600 + 4);
    const task = await createTask(client, { due_date: due });
    const reminder = await addReminder(client, task.id, { offset_minutes: -60 });
    expect(Date.parse(reminder.remind_at ?? "") - Date.now()).toBeLessThan(5_000);
    const later = inDays(1, Date.parse(due));
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { due_date: later, version: 1 } }));
    const [moved] = await remindersOf(client, task.id);
    expect(moved).toMatchObject({ status: "pending", remind_at: new Date(Date.parse(later) - 3_600_000).toISOString() });
    // The old message arrives (from the create's send, and once more here): stale, nothing fires.
    await sleep(Math.max(0, Date.parse(reminder.remind_at ?? "") - Date.now()) + 1_500);
    await deliver([{ id: `old-${reminder.id}`, body: { type: "reminder_fire", reminder_id: reminder.id, user_id: client.userId, remind_at: reminder.remind_at ?? "" } }]);
    expect(await reminderNotifications([reminder.id])).toEqual([]);
    expect(await reminderRow(reminder.id)).toMatchObject({ status: "pending" });
  });

  it("channels: in_app pushes nothing; push-only stores the notification read; push-only without a device falls back to an unread notification, status failed", async () => {
    const subscribed = await newClient();
    await subscribeDevice(subscribed);
    const bare = await newClient();
    const a = await addReminder(subscribed, (await createTask(subscribed)).id, { remind_at: secondsAhead(2), channel: "in_app" });
    const b = await addReminder(subscribed, (await createTask(subscribed)).id, { remind_at: secondsAhead(2), channel: "push" });
    const c = await addReminder(bare, (await createTask(bare)).id, { remind_at: secondsAhead(2), channel: "push" });
    const rows = await waitForNotifications([a.id, b.id, c.id]);
    const of = (id: string) => rows.find((row) => row.data.reminder_id === id);
    expect(await pushMessagesFor(of(a.id)?.id ?? "")).toBe(0);
    expect(of(b.id)?.read_at).not.toBeNull();
    expect(await pushMessagesFor(of(b.id)?.id ?? "")).toBe(1);
    expect(of(c.id)?.read_at).toBeNull();
    expect(await pushMessagesFor(of(c.id)?.id ?? "")).toBe(0);
    expect(await reminderRow(c.id)).toMatchObject({ status: "failed" });
    expect(await reminderRow(a.id)).toMatchObject({ status: "sent" });
  });
});

describe("the reminders sweep", () => {
  it("a reminder beyond the queue's 12 h delay waits in Postgres; the sweep hands it over once it is within range", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const reminder = await addReminder(client, task.id, { remind_at: inDays(2) });
    await sleep(300);
    expect(await reminderRow(reminder.id)).toMatchObject({ status: "pending", enqueued_at: null });
    // As of 36 h later the reminder is 12 h ahead: the sweep enqueues it (with its delay), once.
    const asOf = new Date(Date.parse(reminder.remind_at ?? "") - 12 * 3_600_000 + 1_000);
    await scheduledWorker.scheduled({ cron: EVERY_MINUTE, scheduledTime: asOf });
    const row = await reminderRow(reminder.id);
    expect(row?.enqueued_at).not.toBeNull();
    await scheduledWorker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date(asOf.getTime() + 60_000) });
    expect((await reminderRow(reminder.id))?.enqueued_at).toBe(row?.enqueued_at);
  });

  it("a pending reminder whose message was lost is sent again by the sweep and fires; one a day overdue is given up as failed", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const lost = await addReminder(client, task.id, { remind_at: inDays(1) });
    const ancient = await addReminder(client, task.id, { remind_at: inDays(1.1) });
    await dbRows(sql`update reminders set remind_at = now() - interval '2 minutes', enqueued_at = now() - interval '3 minutes' where id = ${lost.id}`);
    await dbRows(sql`update reminders set remind_at = now() - interval '25 hours', enqueued_at = now() - interval '26 hours' where id = ${ancient.id}`);
    await scheduledWorker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date() });
    await waitForNotifications([lost.id], 20_000);
    expect(await reminderRow(lost.id)).toMatchObject({ status: "sent" });
    expect(await reminderRow(ancient.id)).toMatchObject({ status: "failed" });
    expect(await reminderNotifications([ancient.id])).toEqual([]);
  });
});
