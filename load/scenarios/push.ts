import { randomUUID } from "node:crypto";
import pg from "pg";
import { createVapidKeyPair } from "../../scripts/dev/vapid-key.ts";
import { startPushService, type MintedSubscription, type ReceivedPush } from "../../test/fakes/node/push-service.ts";
import { mapConcurrently } from "../map-concurrently.ts";
import { percentile } from "../percentile.ts";
import type { BenchStack, MeasuredRun } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";
import { fireScheduled, waitForCount } from "../scheduled.ts";
import { seedUsersWithTokens } from "../seed-users.ts";

/**
 * Web Push delivery (docs/reminders-notifications-realtime.md "Web Push"; SLO SC-012: a push delivered within
 * 60 s of its reminder's time). Reminders are the one producer of pushes (`enqueuePush` in
 * services/reminders/fire.ts). USERS users each register SUBSCRIPTIONS browsers through `POST /push/subscriptions`
 * – subscriptions minted by the push service fake of the tests (test/fakes/node/push-service.ts, in this
 * process: it verifies VAPID and decrypts every RFC 8291 payload itself) – and get REMINDERS_PER_USER reminders
 * (channel `push` or `both`, seeded as rows) due evenly between 70 s and 130 s from now, not yet on the queue.
 * One minute Cron Trigger runs `reminders_sweep`, which hands them to the real `reminders` queue; firing
 * enqueues `push_deliver`, the push consumer fans out to the subscriptions and sends. Measured per push: the
 * fake's `received_at` (arrived and decrypted) − the reminder's `remind_at`. Also: pushes missing, duplicates
 * (a reminder pushed twice to one endpoint), payloads the fake could not decrypt, other refusals, deliveries
 * not `delivered`, reminders not `sent`.
 */
const USERS = 100;
const SUBSCRIPTIONS = 2;
const TASKS_PER_USER = 2;
const PER_TASK = 2;
const REMINDERS = USERS * TASKS_PER_USER * PER_TASK;
const SLO_MS = 60_000;
const VAPID = createVapidKeyPair("mailto:bench@perpetua.localhost");

// The fake runs in this process; its address is what the minted subscriptions point at.
const pushService = await startPushService();

interface EndpointLog {
  received: ReceivedPush[];
  rejected: { status: number; reason: string }[];
  answered: number[];
}

async function mint(): Promise<MintedSubscription> {
  const response = await fetch(`${pushService.origin}/_control/subscriptions`, { method: "POST" });
  if (response.status !== 201) throw new Error(`push service fake: ${response.status}`);
  return (await response.json()) as MintedSubscription;
}

async function register(stack: BenchStack, token: string, subscription: MintedSubscription): Promise<void> {
  const response = await fetch(`${stack.baseUrl}/api/v1/push/subscriptions`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": randomUUID() },
    body: JSON.stringify(subscription),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /push/subscriptions: ${response.status} ${text.slice(0, 200)}`);
}

async function endpointLog(endpoint: string): Promise<EndpointLog> {
  const response = await fetch(`${pushService.origin}/_control/received?endpoint=${encodeURIComponent(endpoint)}`);
  return (await response.json()) as EndpointLog;
}

async function measure(stack: BenchStack, { log }: { log: (line: string) => void }): Promise<MeasuredRun> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const users = await seedUsersWithTokens(stack, USERS);
    const devices = await mapConcurrently(
      users.flatMap((user) => Array.from({ length: SUBSCRIPTIONS }, () => user)),
      10,
      async (user) => {
        const subscription = await mint();
        await register(stack, user.token, subscription);
        return { userId: user.userId, endpoint: subscription.endpoint };
      },
    );
    const endpointsOf = new Map<string, string[]>();
    for (const device of devices) endpointsOf.set(device.userId, [...(endpointsOf.get(device.userId) ?? []), device.endpoint]);
    log(`${devices.length} push subscriptions registered through the API for ${USERS} users`);

    const start = Date.now() + 70_000;
    await client.query(
      `with t as (insert into task_instances (user_id, title) select u, 'Push task ' || k from unnest($1::uuid[]) u, generate_series(1, $2::int) k returning id, user_id)
       insert into reminders (user_id, task_id, kind, remind_at, channel)
       select t.user_id, t.id, 'absolute',
         to_timestamp($4::bigint / 1000.0) + make_interval(secs => (row_number() over (order by t.id, r) - 1) * 60.0 / $5::int),
         case when r % 2 = 0 then 'push' else 'both' end
       from t, generate_series(1, $3::int) r`,
      [users.map((user) => user.userId), TASKS_PER_USER, PER_TASK, start, REMINDERS],
    );
    const expectedPushes = REMINDERS * SUBSCRIPTIONS;
    log(`seeded ${REMINDERS} reminders (push/both) due between +70 s and +130 s: ${expectedPushes} pushes expected; firing the minute trigger…`);
    const sweep = await fireScheduled(stack, "* * * * *");
    log(`sweep answered ${sweep.status} in ${Math.round(sweep.wallMs)} ms; waiting for the pushes…`);

    const deadline = start + 60_000 + SLO_MS + 30_000;
    await waitForCount(client, "select count(*) as n from push_deliveries where status = 'delivered'", expectedPushes, deadline);

    const { rows: reminderRows } = await client.query<{ id: string; user_id: string; remind_at_ms: string; status: string; notified_ms: string | null }>(
      `select r.id, r.user_id, (extract(epoch from r.remind_at) * 1000)::bigint as remind_at_ms, r.status,
         (select (extract(epoch from n.created_at) * 1000)::bigint from notifications n where n.type = 'reminder' and n.data->>'reminder_id' = r.id::text limit 1) as notified_ms
       from reminders r where r.user_id = any($1::uuid[])`,
      [users.map((user) => user.userId)],
    );
    const reminders = new Map(reminderRows.map((row) => [row.id, row]));
    const { rows: deliveryRows } = await client.query<{ status: string; n: string }>("select status, count(*) as n from push_deliveries group by status");

    const lateness: number[] = [];
    const afterNotification: number[] = [];
    let duplicates = 0;
    let unknownPayloads = 0;
    let undecryptable = 0;
    const otherRefusals: string[] = [];
    let missing = 0;
    const logs = await mapConcurrently([...endpointsOf.entries()].flatMap(([userId, endpoints]) => endpoints.map((endpoint) => ({ userId, endpoint }))), 20, async (device) => ({
      ...device,
      log: await endpointLog(device.endpoint),
    }));
    for (const { userId, log: endpoint } of logs) {
      const seen = new Set<string>();
      for (const push of endpoint.received) {
        let reminderId: string | undefined;
        try {
          reminderId = (JSON.parse(push.payload) as { data?: { reminder_id?: string } }).data?.reminder_id;
        } catch {
          // counted below as a payload that names no reminder
        }
        const reminder = reminderId === undefined ? undefined : reminders.get(reminderId);
        if (reminderId === undefined || reminder === undefined || reminder.user_id !== userId) {
          unknownPayloads += 1;
          continue;
        }
        if (seen.has(reminderId)) {
          duplicates += 1;
          continue;
        }
        seen.add(reminderId);
        const receivedAt = Date.parse(push.received_at);
        lateness.push(receivedAt - Number(reminder.remind_at_ms));
        if (reminder.notified_ms !== null) afterNotification.push(receivedAt - Number(reminder.notified_ms));
      }
      for (const refusal of endpoint.rejected) {
        if (refusal.reason.startsWith("cannot decrypt")) undecryptable += 1;
        else otherRefusals.push(`${refusal.status} ${refusal.reason}`);
      }
      missing += reminderRows.filter((row) => row.user_id === userId && !seen.has(row.id)).length;
    }
    lateness.sort((a, b) => a - b);
    afterNotification.sort((a, b) => a - b);
    const round = (value: number) => Math.round(value);
    const figures = {
      slo_ms: SLO_MS,
      users: USERS,
      subscriptions: devices.length,
      reminders: REMINDERS,
      reminders_sent: reminderRows.filter((row) => row.status === "sent").length,
      pushes_expected: expectedPushes,
      pushes_received: lateness.length,
      missing,
      duplicates,
      undecryptable,
      other_refusals: otherRefusals.length,
      unknown_payloads: unknownPayloads,
      deliveries: Object.fromEntries(deliveryRows.map((row) => [row.status, Number(row.n)])),
      remind_at_to_push_ms: { p50: round(percentile(lateness, 50)), p95: round(percentile(lateness, 95)), max: round(lateness.at(-1) ?? Number.NaN), min: round(lateness[0] ?? Number.NaN) },
      notification_to_push_ms: { p50: round(percentile(afterNotification, 50)), p95: round(percentile(afterNotification, 95)), max: round(afterNotification.at(-1) ?? Number.NaN) },
      sweep_ms: round(sweep.wallMs),
    };
    const report = [
      `push: ${REMINDERS} reminders (${USERS} users × ${TASKS_PER_USER * PER_TASK}, channel push|both) due within one minute, ${SUBSCRIPTIONS} subscriptions per user; SLO ${SLO_MS / 1000} s`,
      "",
      "| pushes expected | received (decrypted) | missing | duplicates | undecryptable | other refusals | remind_at → push p50 | p95 | max | earliest | notification → push p50 / p95 / max |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
      `| ${expectedPushes} | ${figures.pushes_received} | ${missing} | ${duplicates} | ${undecryptable} | ${otherRefusals.length} | ${figures.remind_at_to_push_ms.p50} ms | ${figures.remind_at_to_push_ms.p95} ms | ${figures.remind_at_to_push_ms.max} ms | ${figures.remind_at_to_push_ms.min} ms | ${figures.notification_to_push_ms.p50} / ${figures.notification_to_push_ms.p95} / ${figures.notification_to_push_ms.max} ms |`,
      "",
      `reminders sent: ${figures.reminders_sent}/${REMINDERS}; deliveries: ${JSON.stringify(figures.deliveries)}; payloads naming no reminder of the endpoint's user: ${unknownPayloads}; sweep ${figures.sweep_ms} ms`,
      ...otherRefusals.slice(0, 5).map((refusal) => `  refused: ${refusal}`),
    ].join("\n");
    const clean =
      figures.pushes_received === expectedPushes &&
      missing === 0 &&
      duplicates === 0 &&
      undecryptable === 0 &&
      otherRefusals.length === 0 &&
      unknownPayloads === 0 &&
      figures.reminders_sent === REMINDERS &&
      figures.remind_at_to_push_ms.max < SLO_MS &&
      figures.remind_at_to_push_ms.min >= -1_000;
    return { report, figures, clean };
  } finally {
    await client.end();
    await pushService.close();
  }
}

export default defineScenario({
  name: "push",
  description: `${REMINDERS} reminders due within one minute pushed to ${USERS * SUBSCRIPTIONS} subscriptions at the decrypting push service fake: remind_at → received, against the 60 s SLO`,
  defaults: { durationSeconds: 300, connections: 1, warmupSeconds: 0 },
  vars: { VAPID_PUBLIC_KEY: VAPID.publicKey, VAPID_PRIVATE_KEY: VAPID.privateKey, VAPID_SUBJECT: VAPID.subject, RATE_LIMIT_GENERAL: "100000" },
  measure,
});
