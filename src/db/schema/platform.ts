/**
 * Plumbing tables of ARCHITECTURE.md: idempotency records (docs/conventions.md#idempotency), the transactional outbox and the
 * daily-job ledger. Migration 0007_platform.
 */
import { sql } from "drizzle-orm";
import { check, date, index, integer, jsonb, pgTable, primaryKey, text, unique, uuid } from "drizzle-orm/pg-core";
import {
  checkLength,
  checkNonNegative,
  checkOneOf,
  checkSlug,
  createdAt,
  id,
  sameTruth,
  timestamptz,
} from "./columns";
import { users } from "./identity";

export const IDEMPOTENCY_STATUSES = ["in_progress", "completed"] as const;
export type IdempotencyStatus = (typeof IDEMPOTENCY_STATUSES)[number];

export const IDEMPOTENT_METHODS = ["POST", "PATCH", "PUT", "DELETE"] as const;

/** The Queues of ARCHITECTURE.md that outbox rows are relayed to. */
export const OUTBOX_TOPICS = ["reminders", "recurring", "push"] as const;
export type OutboxTopic = (typeof OUTBOX_TOPICS)[number];

export const JOB_OUTCOMES = ["success", "failure"] as const;
export type JobOutcome = (typeof JOB_OUTCOMES)[number];

/**
 * One per (user, Idempotency-Key), kept ≥ 24 h. Claimed with `INSERT … ON CONFLICT DO NOTHING` as
 * `in_progress` with a `locked_until` lease (so a request that died half way can be retried after the
 * lease), then completed with the exact response to replay.
 */
export const idempotencyRecords = pgTable(
  "idempotency_records",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    method: text("method", { enum: IDEMPOTENT_METHODS }).notNull(),
    /** The route path as requested (ids included): the same key on another resource is a reuse. */
    path: text("path").notNull(),
    /** Hex SHA-256 over method, path and body. */
    requestHash: text("request_hash").notNull(),
    status: text("status", { enum: IDEMPOTENCY_STATUSES }).notNull().default("in_progress"),
    responseStatus: integer("response_status"),
    /** The body byte-for-byte as sent (text, not jsonb, which would re-order and re-space it). */
    responseBody: text("response_body"),
    responseHeaders: jsonb("response_headers").$type<Record<string, string>>(),
    lockedUntil: timestamptz("locked_until").notNull(),
    createdAt: createdAt(),
    completedAt: timestamptz("completed_at"),
  },
  (t) => [
    primaryKey({ name: "idempotency_records_pk", columns: [t.userId, t.key] }),
    check("idempotency_records_key_printable", sql`${t.key} ~ '^[\\x20-\\x7e]{1,255}$'`),
    checkOneOf("idempotency_records_method_values", t.method, IDEMPOTENT_METHODS),
    checkLength("idempotency_records_path_length", t.path, 1, 2048),
    check("idempotency_records_request_hash_hex", sql`${t.requestHash} ~ '^[0-9a-f]{64}$'`),
    checkOneOf("idempotency_records_status_values", t.status, IDEMPOTENCY_STATUSES),
    check("idempotency_records_response_status_range", sql`${t.responseStatus} between 100 and 599`),
    check(
      "idempotency_records_completed_has_response",
      sameTruth(
        sql`${t.status} = 'completed'`,
        sql`${t.completedAt} is not null and ${t.responseStatus} is not null`,
      ),
    ),
    // 0008_indexes
    // The daily purge of keys older than 24 h.
    index("idempotency_records_created_idx").on(t.createdAt),
  ],
);

/**
 * Transactional outbox (ARCHITECTURE.md): written in the same atomic step as the change, sent after the
 * commit, re-sent by the minute cron while `sent_at` is null. Consumers are idempotent, so a row sent
 * twice does no harm.
 */
export const outbox = pgTable(
  "outbox",
  {
    id: id(),
    /** null for system-wide messages. */
    userId: uuid("user_id").references(() => users.id, { onDelete: "cascade" }),
    topic: text("topic", { enum: OUTBOX_TOPICS }).notNull(),
    /** The queue message body (zod-validated by the consumer), e.g. `{ "type": "reminder_fire", … }`. */
    message: jsonb("message").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    /** Not before this time (reminders far in the future wait here, ARCHITECTURE "Queues and Cron"). */
    availableAt: timestamptz("available_at").notNull().defaultNow(),
    sentAt: timestamptz("sent_at"),
    attempts: integer("attempts").notNull().default(0),
    lastError: text("last_error"),
  },
  (t) => [
    checkOneOf("outbox_topic_values", t.topic, OUTBOX_TOPICS),
    check("outbox_message_object", sql`jsonb_typeof(${t.message}) = 'object'`),
    checkNonNegative("outbox_attempts_non_negative", t.attempts),
    // 0008_indexes
    // The minute relay: unsent rows that are due.
    index("outbox_unsent_idx").on(t.availableAt).where(sql`${t.sentAt} is null`),
    // The daily purge of old sent rows.
    index("outbox_sent_idx").on(t.sentAt).where(sql`${t.sentAt} is not null`),
    index("outbox_user_idx").on(t.userId).where(sql`${t.userId} is not null`),
  ],
);

/**
 * Daily-job ledger: `INSERT … ON CONFLICT (job, run_date) DO NOTHING RETURNING` lets exactly one
 * trigger of a job run per UTC day (ARCHITECTURE "Queues and Cron").
 */
export const jobRuns = pgTable(
  "job_runs",
  {
    id: id(),
    job: text("job").notNull(),
    runDate: date("run_date", { mode: "string" }).notNull(),
    startedAt: timestamptz("started_at").notNull().defaultNow(),
    finishedAt: timestamptz("finished_at"),
    /** null while running. */
    outcome: text("outcome", { enum: JOB_OUTCOMES }),
    details: jsonb("details").$type<Record<string, unknown>>(),
  },
  (t) => [
    checkSlug("job_runs_job_format", t.job, 64),
    checkOneOf("job_runs_outcome_values", t.outcome, JOB_OUTCOMES),
    check("job_runs_finished_has_outcome", sameTruth(sql`${t.finishedAt} is null`, sql`${t.outcome} is null`)),
    unique("job_runs_job_run_date_unique").on(t.job, t.runDate),
  ],
);
