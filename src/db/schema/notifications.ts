/**
 * docs/reminders-notifications-realtime.md in-app notifications and Web Push subscriptions. Migration 0007_platform.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { checkLength, checkNonNegative, checkSlug, createdAt, id, timestamptz } from "./columns";
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
    check(
      "push_subscriptions_endpoint_https",
      sql`${t.endpoint} ~ '^https://' and char_length(${t.endpoint}) <= 2048`,
    ),
    checkLength("push_subscriptions_p256dh_length", t.p256dh, 1, 256),
    checkLength("push_subscriptions_auth_length", t.auth, 1, 256),
    checkNonNegative("push_subscriptions_failure_count_non_negative", t.failureCount),
    // 0008_indexes
    index("push_subscriptions_user_idx").on(t.userId),
  ],
);
