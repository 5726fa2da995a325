/**
 * docs/reminders-notifications-realtime.md in-app notifications and Web Push subscriptions. Migration 0007_platform.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { checkLength, checkNonNegative, checkOneOf, checkRange, checkSlug, createdAt, id, timestamptz, updatedAt } from "./columns";
import { users } from "./identity";

export const notifications = pgTable(
  "notifications",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** e.g. `reminder`, `achievement_unlocked`, `subscription_expired` (open set, shape-checked). */
    type: text("type").notNull(),
    title: text("title").notNull(),
    body: text("body").notNull().default(""),
    /** Deep-link data for the client, e.g. `{ "task_id": "…" }`. */
    data: jsonb("data").$type<Record<string, unknown>>().notNull().default(sql`'{}'::jsonb`),
    readAt: timestamptz("read_at"),
    createdAt: createdAt(),
  },
  (t) => [
    checkSlug("notifications_type_format", t.type, 64),
    checkLength("notifications_title_length", t.title, 1, 200),
    checkLength("notifications_body_length", t.body, 0, 2000),
    // 0008_indexes
    // GET /notifications lists unread first (first index), then the rest (second); unread-count uses the first.
    index("notifications_user_unread_idx").on(t.userId, t.createdAt, t.id).where(sql`${t.readAt} is null`),
    index("notifications_user_created_idx").on(t.userId, t.createdAt, t.id),
  ],
);

/**
 * A browser's push subscription. `endpoint` is globally unique: the same browser re-subscribing under
 * another account moves the row (`ON CONFLICT (endpoint) DO UPDATE SET user_id = …`).
 */
export const pushSubscriptions = pgTable(
  "push_subscriptions",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    endpoint: text("endpoint").notNull().unique("push_subscriptions_endpoint_unique"),
    /** Base64url keys from `PushSubscription.getKey()` (RFC 8291). */
    p256dh: text("p256dh").notNull(),
    auth: text("auth").notNull(),
    createdAt: createdAt(),
    lastSuccessAt: timestamptz("last_success_at"),
    /** Consecutive retryable failures (429/5xx); a 404/410 deletes the row instead (docs/reminders-notifications-realtime.md). */
    failureCount: integer("failure_count").notNull().default(0),
  },
  (t) => [
    // 0013_push_deliveries: http:// too – the service accepts loopback http only in development/test
    // (services/push/endpoint.ts); the database only keeps the shape.
    check(
      "push_subscriptions_endpoint_https",
      sql`${t.endpoint} ~ '^https?://' and char_length(${t.endpoint}) <= 2048`,
    ),
    checkLength("push_subscriptions_p256dh_length", t.p256dh, 1, 256),
    checkLength("push_subscriptions_auth_length", t.auth, 1, 256),
    checkNonNegative("push_subscriptions_failure_count_non_negative", t.failureCount),
    // 0008_indexes
    index("push_subscriptions_user_idx").on(t.userId),
  ],
);

/**
 * How a delivery of one notification to one subscription stands (docs/reminders-notifications-realtime.md
 * "Web Push"): `pending` (to send, or to send again after a retryable failure), `sending` (claimed by a
 * consumer until `claimed_until`), `delivered`, `failed` (refused for good by the push service).
 */
export const PUSH_DELIVERY_STATUSES = ["pending", "sending", "delivered", "failed"] as const;
export type PushDeliveryStatus = (typeof PUSH_DELIVERY_STATUSES)[number];

/**
 * One row per (notification, subscription): the primary key makes a fan-out idempotent, and the claim
 * (`pending` → `sending` with a lease) makes each pair pushed exactly once whatever the queue redelivers.
 * Migration 0013_push_deliveries. A deleted subscription or notification takes its deliveries with it.
 */
export const pushDeliveries = pgTable(
  "push_deliveries",
  {
    notificationId: uuid("notification_id")
      .notNull()
      .references(() => notifications.id, { onDelete: "cascade" }),
    subscriptionId: uuid("subscription_id")
      .notNull()
      .references(() => pushSubscriptions.id, { onDelete: "cascade" }),
    status: text("status").$type<PushDeliveryStatus>().notNull().default("pending"),
    /** Sends tried (claims that reached the push service or the network). */
    attempts: integer("attempts").notNull().default(0),
    /** The push service's last HTTP status; null before the first answer or after a network error. */
    lastStatusCode: integer("last_status_code"),
    /** While `sending`: the lease; a claim past it may take the delivery over (a consumer died mid-send). */
    claimedUntil: timestamptz("claimed_until"),
    deliveredAt: timestamptz("delivered_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    primaryKey({ name: "push_deliveries_pkey", columns: [t.notificationId, t.subscriptionId] }),
    checkOneOf("push_deliveries_status_valid", t.status, PUSH_DELIVERY_STATUSES),
    checkNonNegative("push_deliveries_attempts_non_negative", t.attempts),
    checkRange("push_deliveries_last_status_code_range", t.lastStatusCode, 100, 599),
    // The subscription's deliveries, for the cascade when a 404/410 deletes it.
    index("push_deliveries_subscription_idx").on(t.subscriptionId),
  ],
);
