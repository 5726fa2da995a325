import type { Reminder } from "../../../src/services/reminders/present";
import { dbRows, expectData, sql, type TestClient } from "../../support/factories";

/** Helpers of the reminder suites: reminders through the API; what firing left, read from the database. */

export type ReminderJson = Reminder;

export async function addReminder(client: TestClient, taskId: string, body: Record<string, unknown>): Promise<ReminderJson> {
  return expectData<ReminderJson>(await client.request("POST", `/tasks/${taskId}/reminders`, { body }), 201);
}

export async function remindersOf(client: TestClient, taskId: string): Promise<ReminderJson[]> {
  return expectData<ReminderJson[]>(await client.request("GET", `/tasks/${taskId}/reminders`));
}

/** An instant `seconds` from now, on the second. */
export function secondsAhead(seconds: number): string {
  return new Date((Math.floor(Date.now() / 1000) + seconds) * 1000).toISOString();
}

export interface ReminderNotificationRow extends Record<string, unknown> {
  id: string;
  user_id: string;
  title: string;
  body: string;
  read_at: string | null;
  data: { task_id: string; reminder_id: string; remind_at: string; due_date: string | null };
  created_at: string;
}

/** The notifications written for these reminders. */
export async function reminderNotifications(reminderIds: readonly string[]): Promise<ReminderNotificationRow[]> {
  return dbRows<ReminderNotificationRow>(sql`
    select id, user_id, title, body, read_at::text, data, created_at::text from notifications
    where type = 'reminder' and data->>'reminder_id' in (select jsonb_array_elements_text(${JSON.stringify(reminderIds)}::jsonb))`);
}

/** Waits (bounded) until every reminder has its notification; returns them. */
export async function waitForNotifications(reminderIds: readonly string[], timeoutMs = 60_000): Promise<ReminderNotificationRow[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await reminderNotifications(reminderIds);
    if (new Set(rows.map((row) => row.data.reminder_id)).size >= reminderIds.length) return rows;
    if (Date.now() > deadline) throw new Error(`${rows.length} of ${reminderIds.length} reminders fired within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface ReminderRow extends Record<string, unknown> {
  id: string;
  status: string;
  remind_at: string | null;
  fired_at: string | null;
  enqueued_at: string | null;
}

export async function reminderRow(id: string): Promise<ReminderRow | undefined> {
  const [row] = await dbRows<ReminderRow>(sql`select id, status, remind_at::text, fired_at::text, enqueued_at::text from reminders where id = ${id}`);
  return row;
}

/** The push_deliver messages the outbox holds for a notification (the producer's, not the per-device fan-out). */
export async function pushMessagesFor(notificationId: string): Promise<number> {
  const [row] = await dbRows<{ count: number }>(sql`
    select count(*)::int as count from outbox where topic = 'push' and message->>'notification_id' = ${notificationId} and not message ? 'subscription_id'`);
  return row?.count ?? 0;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
