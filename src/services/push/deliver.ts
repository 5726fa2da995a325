import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { metrics } from "../metrics/recorder";
import { notificationColumns, presentNotification, type NotificationRecord } from "../notifications/present";
import { DoNotRetry, RetryLater, type MessageHandler } from "../outbox/messages";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { pushPayload } from "./payload";
import { vapidKeys } from "./vapid";
import { buildPushRequest, type VapidKeys } from "./web-push";

/** How long a claimed delivery is a consumer's own: longer than a send can take (PUSH_TIMEOUT_MS). */
export const PUSH_CLAIM_SECONDS = 60;
/** Deadline of one POST to a push service. */
export const PUSH_TIMEOUT_MS = 10_000;
/** RFC 8030 §5.2: the push service keeps an undelivered message this long (the in-app list has it anyway). */
export const PUSH_TTL_SECONDS = 24 * 60 * 60;

/**
 * The one thing a producer does to push a notification (e.g. a reminder firing with channel push|both):
 * joins its write with a `push_deliver` message in the same commit, through the outbox.
 */
export function enqueuePush(unit: WriteUnit, notificationId: string): void {
  unit.enqueue({ type: "push_deliver", notification_id: notificationId });
}

/**
 * The `push_deliver` consumer (docs/reminders-notifications-realtime.md "Web Push"). Without
 * `subscription_id` it fans out: one `push_deliveries` row and one message per subscription of the
 * notification's owner, in one write. With it, it claims that delivery (a lease), encrypts the presented
 * notification for the subscription (RFC 8291) and POSTs it with VAPID (RFC 8292); the outcome is recorded
 * and decides the message's fate:
 *
 * - 2xx: delivered (the subscription's `last_success_at`, `failure_count` 0); acked.
 * - 404/410: the subscription is gone – deleted (its deliveries with it); acked.
 * - 429/5xx/network error: `failure_count` + 1, the delivery back to `pending`, and the message retried –
 *   after the push service's `Retry-After` when it gives one, else with the queue's backoff; after the push
 *   consumer's max_retries the platform dead-letters it.
 * - any other status (400, 413 …): failed for good, logged, acked.
 *
 * Exactly once per (notification, subscription): the fan-out's rows are keyed by the pair, and only a
 * `pending` delivery (or a `sending` one whose lease ran out – its consumer died) can be claimed, in one
 * statement, so duplicate or concurrent messages find nothing to claim and ack. Without VAPID keys push
 * delivery is off: the message is logged and acked.
 */
export const deliverPush: MessageHandler<"push_deliver"> = async ({ ctx, message }) => {
  const vapid = vapidKeys(ctx.config);
  if (vapid === undefined) {
    ctx.log.info("push delivery is off (no VAPID keys configured); acked", { outcome: "push_disabled" });
    return;
  }
  if (message.subscription_id === undefined) await fanOut(ctx, message.notification_id);
  else await deliverOne(ctx, vapid, message.notification_id, message.subscription_id);
};

/** Two round trips: the owner's subscriptions, then the delivery rows with their messages (the outbox). */
async function fanOut(ctx: ServiceContext, notificationId: string): Promise<void> {
  const found = await ctx.db.execute<{ user_id: string; subscription_id: string | null }>(sql`
    select n.user_id, s.id as subscription_id
    from notifications n left join push_subscriptions s on s.user_id = n.user_id
    where n.id = ${notificationId}`);
  const owner = found.rows[0]?.user_id;
  if (owner === undefined) throw new DoNotRetry("the notification no longer exists");
  const subscriptions = found.rows.flatMap((row) => (row.subscription_id === null ? [] : [row.subscription_id]));
  if (subscriptions.length === 0) return;
  await runWrite(ctx, { operation: "push.fan_out", userId: owner }, async (unit) => {
    // A duplicate fan-out inserts nothing and sends messages that find nothing to claim.
    unit.write(
      ctx.db.execute(sql`
        insert into push_deliveries (notification_id, subscription_id)
        select ${notificationId}, s.id from push_subscriptions s
        where s.user_id = ${owner} and s.id in (select value::uuid from jsonb_array_elements_text(${JSON.stringify(subscriptions)}::jsonb))
        on conflict do nothing`),
    );
    for (const subscriptionId of subscriptions) unit.enqueue({ type: "push_deliver", notification_id: notificationId, subscription_id: subscriptionId });
  });
}

interface ClaimedRow extends NotificationRecord {
  attempts: number;
  endpoint: string;
  p256dh: string;
  auth: string;
}

async function deliverOne(ctx: ServiceContext, vapid: VapidKeys, notificationId: string, subscriptionId: string): Promise<void> {
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  // One round trip: the delivery row if the fan-out did not write it (a message naming a subscription
  // directly), then the claim – which also checks that the subscription still belongs to the notification's
  // owner (a browser that moved to another account never gets the previous account's notifications).
  const [, claimed] = await ctx.db.batch([
    ctx.db.execute(sql`
      insert into push_deliveries (notification_id, subscription_id)
      select n.id, s.id from notifications n join push_subscriptions s on s.user_id = n.user_id
      where n.id = ${notificationId} and s.id = ${subscriptionId}
      on conflict do nothing`),
    ctx.db.execute<ClaimedRow>(sql`
      update push_deliveries d
      set status = 'sending', attempts = d.attempts + 1, updated_at = ${stamp}::timestamptz,
          claimed_until = ${stamp}::timestamptz + make_interval(secs => ${PUSH_CLAIM_SECONDS})
      from notifications n, push_subscriptions s
      where d.notification_id = ${notificationId} and d.subscription_id = ${subscriptionId}
        and n.id = d.notification_id and s.id = d.subscription_id and s.user_id = n.user_id
        and (d.status = 'pending' or (d.status = 'sending' and d.claimed_until <= ${stamp}::timestamptz))
      returning d.attempts, s.endpoint, s.p256dh, s.auth, ${notificationColumns}`),
  ]);
  const row = claimed.rows[0];
  if (row === undefined) {
    ctx.log.info("push delivery already done, in progress elsewhere, or its subscription is gone; acked", { outcome: "push_skipped" });
    return;
  }
  const log = ctx.log.with({ subscription_id: subscriptionId, notification_id: notificationId, attempt: Number(row.attempts) });
  const notification = presentNotification(row);
  const request = await buildPushRequest(row.endpoint, { p256dh: row.p256dh, auth: row.auth }, pushPayload(notification), vapid, {
    ttlSeconds: PUSH_TTL_SECONDS,
    urgency: notification.kind === "reminder" ? "high" : "normal",
    now,
  });

  let response: Response;
  try {
    response = await fetch(request.url, { ...request.init, signal: AbortSignal.timeout(PUSH_TIMEOUT_MS) });
  } catch (error) {
    await recordRetryable(ctx, notificationId, subscriptionId, null);
    metrics.count("push_deliveries_total", { outcome: "retried" });
    throw new RetryLater(`push service unreachable: ${error instanceof Error ? error.message : String(error)}`);
  }
  await response.body?.cancel();
  const status = response.status;

  if (status >= 200 && status < 300) {
    await ctx.db.batch([
      ctx.db.execute(sql`update push_deliveries set status = 'delivered', delivered_at = now(), last_status_code = ${status}, claimed_until = null, updated_at = now()
        where notification_id = ${notificationId} and subscription_id = ${subscriptionId}`),
      ctx.db.execute(sql`update push_subscriptions set last_success_at = now(), failure_count = 0 where id = ${subscriptionId}`),
    ]);
    // The push-delivery objective (ops/alerts.yml push_delivery_delay_seconds): notification created → accepted.
    const delaySeconds = (ctx.clock.now().getTime() - Date.parse(notification.created_at)) / 1000;
    log.info("push delivered", { outcome: "push_delivered", status_code: status, delay_seconds: delaySeconds });
    metrics.observe("push_delivery_delay_seconds", { source: notification.kind === "reminder" ? "reminder" : "notification" }, delaySeconds);
    metrics.count("push_deliveries_total", { outcome: "delivered" });
    return;
  }
  if (status === 404 || status === 410) {
    await ctx.db.execute(sql`delete from push_subscriptions where id = ${subscriptionId}`);
    log.info("push subscription gone at the push service; deleted", { outcome: "push_subscription_gone", status_code: status });
    metrics.count("push_deliveries_total", { outcome: "subscription_gone" });
    return;
  }
  if (status === 429 || status >= 500) {
    await recordRetryable(ctx, notificationId, subscriptionId, status);
    metrics.count("push_deliveries_total", { outcome: "retried" });
    throw new RetryLater(`push service answered ${status}`, retryAfterSeconds(response.headers.get("Retry-After"), now));
  }
  await ctx.db.execute(sql`update push_deliveries set status = 'failed', last_status_code = ${status}, claimed_until = null, updated_at = now()
    where notification_id = ${notificationId} and subscription_id = ${subscriptionId}`);
  metrics.count("push_deliveries_total", { outcome: "refused" });
  throw new DoNotRetry(`push service refused the message with ${status}`);
}

/** A failure worth retrying: the delivery is claimable again, the subscription's failure count grows. */
async function recordRetryable(ctx: ServiceContext, notificationId: string, subscriptionId: string, status: number | null): Promise<void> {
  await ctx.db.batch([
    ctx.db.execute(sql`update push_deliveries set status = 'pending', last_status_code = ${status}, claimed_until = null, updated_at = now()
      where notification_id = ${notificationId} and subscription_id = ${subscriptionId}`),
    ctx.db.execute(sql`update push_subscriptions set failure_count = failure_count + 1 where id = ${subscriptionId}`),
  ]);
}

/** `Retry-After` as seconds (RFC 9110 §10.2.3: delay-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterSeconds(header: string | null, now: Date): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now.getTime()) / 1000));
}
