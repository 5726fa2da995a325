/**
 * docs/billing.md subscriptions (Checkout.com) and the webhook event store. Migration 0005_credits_billing.
 */
import { sql } from "drizzle-orm";
import { boolean, check, index, integer, jsonb, pgTable, text, unique, uuid } from "drizzle-orm/pg-core";
import {
  checkLength,
  checkNonNegative,
  checkOneOf,
  checkSlug,
  createdAt,
  id,
  timestamptz,
  updatedAt,
} from "./columns";
import { users } from "./identity";

export const SUBSCRIPTION_STATUSES = ["none", "active", "past_due", "grace", "cancelled", "expired"] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** One row per user (created on first checkout; a missing row reads as status `none`). */
export const subscriptions = pgTable(
  "subscriptions",
  {
    userId: uuid("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    status: text("status", { enum: SUBSCRIPTION_STATUSES }).notNull().default("none"),
    currentPeriodStart: timestamptz("current_period_start"),
    currentPeriodEnd: timestamptz("current_period_end"),
    gracePeriodEnd: timestamptz("grace_period_end"),
    cancelAtPeriodEnd: boolean("cancel_at_period_end").notNull().default(false),
    cancelledAt: timestamptz("cancelled_at"),
    /** Consecutive declined payments; 3 → grace (docs/billing.md); reset by a captured payment. */
    failedPaymentCount: integer("failed_payment_count").notNull().default(0),
    checkoutCustomerId: text("checkout_customer_id"),
    /** Stored card/instrument used for renewals. */
    checkoutInstrumentId: text("checkout_instrument_id"),
    /** The hosted payment session last created by `POST /subscription/checkout`. */
    checkoutSessionId: text("checkout_session_id"),
    checkoutLastPaymentId: text("checkout_last_payment_id"),
    /**
     * `created_on` of the newest webhook event applied: older events arriving late are recorded but do
     * not move the state backwards (docs/billing.md "events may arrive out of order").
     */
    lastEventCreatedOn: timestamptz("last_event_created_on"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    checkOneOf("subscriptions_status_values", t.status, SUBSCRIPTION_STATUSES),
    checkNonNegative("subscriptions_failed_payment_count_non_negative", t.failedPaymentCount),
    check(
      "subscriptions_period_order",
      sql`${t.currentPeriodStart} is null or ${t.currentPeriodEnd} is null or ${
        t.currentPeriodEnd
      } > ${t.currentPeriodStart}`,
    ),
    check("subscriptions_grace_has_end", sql`${t.status} <> 'grace' or ${t.gracePeriodEnd} is not null`),
    // 0008_indexes
    // The daily subscription_check job (docs/billing.md): ended periods and finished grace periods.
    index("subscriptions_period_end_idx")
      .on(t.currentPeriodEnd)
      .where(sql`${t.status} in ('active', 'past_due', 'cancelled')`),
    index("subscriptions_grace_end_idx").on(t.gracePeriodEnd).where(sql`${t.status} = 'grace'`),
    index("subscriptions_checkout_customer_idx")
      .on(t.checkoutCustomerId)
      .where(sql`${t.checkoutCustomerId} is not null`),
  ],
);

/**
 * Every verified webhook delivery, stored before it is processed. The unique (provider, event_id) makes
 * processing idempotent: `INSERT … ON CONFLICT DO NOTHING RETURNING` tells a first delivery from a replay.
 */
export const webhookEvents = pgTable(
  "webhook_events",
  {
    id: id(),
    provider: text("provider").notNull().default("checkout"),
    eventId: text("event_id").notNull(),
    type: text("type").notNull(),
    /** The provider's event time (used for ordering), not ours. */
    createdOn: timestamptz("created_on").notNull(),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    /** Resolved from the payload's metadata/reference; null when the event names no user of ours. */
    userId: uuid("user_id").references(() => users.id, { onDelete: "set null" }),
    receivedAt: timestamptz("received_at").notNull().defaultNow(),
    processedAt: timestamptz("processed_at"),
    /** Why processing failed (the event stays unprocessed and can be retried). */
    lastError: text("last_error"),
  },
  (t) => [
    checkSlug("webhook_events_provider_format", t.provider, 32),
    checkLength("webhook_events_event_id_length", t.eventId, 1, 255),
    checkLength("webhook_events_type_length", t.type, 1, 100),
    unique("webhook_events_provider_event_unique").on(t.provider, t.eventId),
    // 0008_indexes
    index("webhook_events_unprocessed_idx").on(t.receivedAt).where(sql`${t.processedAt} is null`),
    index("webhook_events_user_idx").on(t.userId).where(sql`${t.userId} is not null`),
  ],
);

export const CHECKOUT_SESSION_STATUSES = ["created", "paid", "declined"] as const;
export type CheckoutSessionStatus = (typeof CHECKOUT_SESSION_STATUSES)[number];

/**
 * Every hosted payment session we created (migration 0014), stored when Checkout.com answered: the user and
 * product a payment is applied to come from here, matched by the payment's `reference` (or the session id) –
 * never from the event's metadata alone (docs/billing.md#security).
 */
export const checkoutSessions = pgTable(
  "checkout_sessions",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** `pro` or a credit pack's name (CREDIT_PACKS). */
    product: text("product").notNull(),
    /** The `reference` sent with the session; Checkout.com echoes it on every payment event. */
    reference: text("reference").notNull(),
    /** Checkout.com's hosted payment id (`hpp_…`). */
    providerSessionId: text("provider_session_id").notNull(),
    /** Minor units, as charged. */
    amount: integer("amount").notNull(),
    currency: text("currency").notNull(),
    status: text("status", { enum: CHECKOUT_SESSION_STATUSES }).notNull().default("created"),
    /** The last payment applied through this session. */
    paymentId: text("payment_id"),
    expiresAt: timestamptz("expires_at").notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    checkSlug("checkout_sessions_product_format", t.product, 64),
    checkLength("checkout_sessions_reference_length", t.reference, 1, 50),
    checkLength("checkout_sessions_provider_session_id_length", t.providerSessionId, 1, 255),
    checkNonNegative("checkout_sessions_amount_non_negative", t.amount),
    checkLength("checkout_sessions_currency_length", t.currency, 3, 3),
    checkOneOf("checkout_sessions_status_values", t.status, CHECKOUT_SESSION_STATUSES),
    unique("checkout_sessions_reference_unique").on(t.reference),
    unique("checkout_sessions_provider_session_unique").on(t.providerSessionId),
    index("checkout_sessions_user_created_idx").on(t.userId, t.createdAt),
  ],
);
