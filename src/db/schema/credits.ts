/**
 * docs/credits.md AI credits: lots (what a user holds) and the append-only ledger (every movement).
 * Migration 0005_credits_billing; the ledger's append-only trigger is appended there.
 */
import { sql } from "drizzle-orm";
import { bigint, check, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { checkLength, checkOneOf, createdAt, id, timestamptz } from "./columns";
import { users } from "./identity";

/** Also the consumption order (docs/credits.md): daily → subscription → purchased → kickstart. */
export const CREDIT_LOT_KINDS = ["daily", "subscription", "purchased", "kickstart"] as const;
export type CreditLotKind = (typeof CREDIT_LOT_KINDS)[number];

export const CREDIT_ENTRY_KINDS = ["grant", "consume", "expire", "refund", "carryover"] as const;
export type CreditEntryKind = (typeof CREDIT_ENTRY_KINDS)[number];

export const creditLots = pgTable(
  "credit_lots",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: CREDIT_LOT_KINDS }).notNull(),
    amount: integer("amount").notNull(),
    /** Decremented by consumption (never below 0), restored by refunds (never above amount). */
    remaining: integer("remaining").notNull(),
    /** null = never expires (kickstart, purchased). */
    expiresAt: timestamptz("expires_at"),
    /** Why it was granted, e.g. `signup`, `pro_daily`, `perk_daily`, `subscription_period`, `carryover`. */
    source: text("source").notNull(),
    /**
     * Idempotency handle of the grant (the UTC day of a daily grant, the payment id of a period, …):
     * unique per (user, kind), so a retried webhook or a re-run job cannot grant twice.
     */
    reference: text("reference"),
    createdAt: createdAt(),
    /** Set by the expiry job when it zeroes the lot (an `expire` ledger entry records the amount). */
    expiredAt: timestamptz("expired_at"),
  },
  (t) => [
    checkOneOf("credit_lots_kind_values", t.kind, CREDIT_LOT_KINDS),
    check("credit_lots_amount_positive", sql`${t.amount} > 0`),
    check("credit_lots_remaining_range", sql`${t.remaining} >= 0 and ${t.remaining} <= ${t.amount}`),
    checkLength("credit_lots_source_length", t.source, 1, 64),
    checkLength("credit_lots_reference_length", t.reference, 1, 255),
    check("credit_lots_expired_is_empty", sql`${t.expiredAt} is null or ${t.remaining} = 0`),
    uniqueIndex("credit_lots_user_kind_reference_unique")
      .on(t.userId, t.kind, t.reference)
      .where(sql`${t.reference} is not null`),
    // Kickstart credits are granted once per user, ever (docs/credits.md).
    uniqueIndex("credit_lots_one_kickstart_per_user")
      .on(t.userId)
      .where(sql`${t.kind} = 'kickstart'`),
    // 0008_indexes
    // Consumption and balance (docs/credits.md): only lots with credits left are ever read.
    index("credit_lots_user_available_idx")
      .on(t.userId, t.kind, t.expiresAt, t.createdAt)
      .where(sql`${t.remaining} > 0 and ${t.expiredAt} is null`),
    // The daily expiry job.
    index("credit_lots_expiring_idx")
      .on(t.expiresAt)
      .where(sql`${t.expiredAt} is null and ${t.expiresAt} is not null`),
  ],
);

/**
 * Append-only (trigger in 0005): one row per movement per lot. `amount` is signed: grant, refund and
 * carryover add (> 0), consume and expire remove (< 0). `balance_after` is the user's total remaining
 * after this entry, so history pages never need a running sum.
 */
export const creditLedger = pgTable(
  "credit_ledger",
  {
    id: id(),
    /**
     * The order movements happened in (0011): `created_at` is the acting clock (a cron job's scheduled time, a
     * request's pinned test clock) and one operation writes several rows at the same instant, so the running
     * `balance_after`, "the last entry" and the history's "newest first" follow `seq`. Per user it is also the
     * commit order: every movement of a user runs under that user's row lock (docs/credits.md).
     */
    seq: bigint("seq", { mode: "number" }).generatedAlwaysAsIdentity(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    lotId: uuid("lot_id")
      .notNull()
      .references(() => creditLots.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: CREDIT_ENTRY_KINDS }).notNull(),
    amount: integer("amount").notNull(),
    balanceAfter: integer("balance_after").notNull(),
    /** Machine-readable cause, e.g. `ai_chat`, `transcription`, `daily_expiry`. */
    reason: text("reason").notNull(),
    /** What it is about: an ai_interactions id, a payment id, a run date, … */
    reference: text("reference"),
    requestId: text("request_id"),
    createdAt: createdAt(),
  },
  (t) => [
    checkOneOf("credit_ledger_kind_values", t.kind, CREDIT_ENTRY_KINDS),
    check(
      "credit_ledger_amount_sign",
      sql`(${t.kind} in ('grant', 'refund', 'carryover') and ${t.amount} > 0)
        or (${t.kind} in ('consume', 'expire') and ${t.amount} < 0)`,
    ),
    check("credit_ledger_balance_non_negative", sql`${t.balanceAfter} >= 0`),
    checkLength("credit_ledger_reason_length", t.reason, 1, 64),
    checkLength("credit_ledger_reference_length", t.reference, 1, 255),
    checkLength("credit_ledger_request_id_length", t.requestId, 1, 128),
    // 0008_indexes
    index("credit_ledger_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("credit_ledger_lot_idx").on(t.lotId),
    // 0011: the history page and "the last balance_after" per user.
    index("credit_ledger_user_seq_idx").on(t.userId, t.seq),
    // 0011: a consumption's entries by its reference (repeat check, refund).
    index("credit_ledger_user_reference_idx")
      .on(t.userId, t.reference)
      .where(sql`${t.kind} in ('consume', 'refund')`),
  ],
);
