import { env } from "cloudflare:workers";
import { inject } from "vitest";
import type { Bindings } from "../../../src/env";
import type { QueueMessage } from "../../../queues/messages";
import { dbRows, expectData, sql, type TestClient } from "../../support/factories";

/** Helpers of the Web Push suites: the push service fake (test/fakes/node/push-service.ts) and the real push queue. */

export const bindings = env as unknown as Bindings;
const pushService = (): string => inject("pushService");

export interface MintedSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface PushSubscriptionJson {
  id: string;
  endpoint: string;
  created_at: string;
}

export interface EndpointLog {
  received: { payload: string; ttl: string | null; urgency: string | null; claims: Record<string, unknown> }[];
  rejected: { status: number; reason: string }[];
  answered: number[];
}

/** A browser's `PushSubscription.toJSON()`, minted by the fake push service (it keeps the private key). */
export async function mintSubscription(): Promise<MintedSubscription> {
  const response = await fetch(`${pushService()}/_control/subscriptions`, { method: "POST" });
  return (await response.json()) as MintedSubscription;
}

/** The next pushes to `endpoint` answer these statuses first. */
export async function programEndpoint(endpoint: string, responses: { status: number; retry_after?: string; times?: number }[]): Promise<void> {
  const response = await fetch(`${pushService()}/_control/program`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ endpoint, responses }),
  });
  if (!response.ok) throw new Error(`programming the push service failed: ${response.status}`);
}

export async function endpointLog(endpoint: string): Promise<EndpointLog> {
  const response = await fetch(`${pushService()}/_control/received?endpoint=${encodeURIComponent(endpoint)}`);
  return (await response.json()) as EndpointLog;
}

/** Registers a minted subscription through the API. */
export async function subscribe(client: TestClient, minted?: MintedSubscription): Promise<{ minted: MintedSubscription; subscription: PushSubscriptionJson }> {
  const browser = minted ?? (await mintSubscription());
  const subscription = await expectData<PushSubscriptionJson>(await client.request("POST", "/push/subscriptions", { body: browser }), 201);
  return { minted: browser, subscription };
}

/** A notification as a producer (reminder, achievement) writes it; returns its id. */
export async function seedNotification(userId: string, fields: { type?: string; title?: string; body?: string; data?: Record<string, unknown> } = {}): Promise<string> {
  const [row] = await dbRows<{ id: string }>(sql`
    insert into notifications (user_id, type, title, body, data)
    values (${userId}, ${fields.type ?? "reminder"}, ${fields.title ?? "Call Ana"}, ${fields.body ?? "At 09:00"}, ${JSON.stringify(fields.data ?? {})}::jsonb)
    returning id`);
  if (!row) throw new Error("notification not seeded");
  return row.id;
}

/** Puts a message on the real push queue; the local runtime delivers it to the Worker's consumer. */
export async function sendPush(message: QueueMessage): Promise<void> {
  await bindings.PUSH_QUEUE.send(message);
}

export interface DeliveryRow extends Record<string, unknown> {
  subscription_id: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
}

export async function deliveries(notificationId: string): Promise<DeliveryRow[]> {
  return dbRows<DeliveryRow>(sql`
    select subscription_id, status, attempts, last_status_code from push_deliveries
    where notification_id = ${notificationId} order by subscription_id`);
}

/** Polls (bounded) until `check` returns a value; the queue consumer works asynchronously. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
