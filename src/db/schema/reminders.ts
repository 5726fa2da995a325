/**
 * docs/reminders-notifications-realtime.md reminders on a task. Migration 0003_notes_reminders.
 */
import { sql } from "drizzle-orm";
import { check, foreignKey, index, integer, pgTable, text, uuid } from "drizzle-orm/pg-core";
import { checkOneOf, checkRange, createdAt, id, timestamptz, updatedAt } from "./columns";
import { users } from "./identity";
import { taskInstances } from "./tasks";

export const REMINDER_KINDS = ["absolute", "relative"] as const;
export type ReminderKind = (typeof REMINDER_KINDS)[number];

export const REMINDER_CHANNELS = ["in_app", "push", "both"] as const;
export type ReminderChannel = (typeof REMINDER_CHANNELS)[number];

export const REMINDER_STATUSES = ["pending", "sent", "cancelled", "failed"] as const;
export type ReminderStatus = (typeof REMINDER_STATUSES)[number];

/**
 * Relative offsets accepted: from 30 days before the due date to 1 day after it ("remind me an hour
 * after it became overdue" is legitimate; a month after is not a reminder any more).
 */
export const REMINDER_OFFSET_MIN = -43200;
export const REMINDER_OFFSET_MAX = 1440;

export const reminders = pgTable(
  "reminders",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    taskId: uuid("task_id").notNull(),
    kind: text("kind", { enum: REMINDER_KINDS }).notNull(),
    /**
     * When it fires. Absolute: what the user chose. Relative: due_date + offset, recomputed by the task
     * service whenever the due date moves (docs/reminders-notifications-realtime.md); null while the task has no due date.
     */
    remindAt: timestamptz("remind_at"),
    offsetMinutes: integer("offset_minutes"),
    channel: text("channel", { enum: REMINDER_CHANNELS }).notNull().default("both"),
    /** pending → sent|cancelled|failed exactly once: firing is `UPDATE … WHERE status = 'pending'`. */
    status: text("status", { enum: REMINDER_STATUSES }).notNull().default("pending"),
    firedAt: timestamptz("fired_at"),
    /** Set when the sweep handed it to the `reminders` queue (outbox), so it is not enqueued twice. */
    enqueuedAt: timestamptz("enqueued_at"),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    checkOneOf("reminders_kind_values", t.kind, REMINDER_KINDS),
    checkOneOf("reminders_channel_values", t.channel, REMINDER_CHANNELS),
    checkOneOf("reminders_status_values", t.status, REMINDER_STATUSES),
    check(
      "reminders_kind_fields",
      sql`(${t.kind} = 'absolute' and ${t.remindAt} is not null and ${t.offsetMinutes} is null)
        or (${t.kind} = 'relative' and ${t.offsetMinutes} is not null)`,
    ),
    checkRange("reminders_offset_range", t.offsetMinutes, REMINDER_OFFSET_MIN, REMINDER_OFFSET_MAX),
    check("reminders_sent_has_fired_at", sql`${t.status} <> 'sent' or ${t.firedAt} is not null`),
    foreignKey({
      name: "reminders_task_owner_fk",
      columns: [t.taskId, t.userId],
      foreignColumns: [taskInstances.id, taskInstances.userId],
    }).onDelete("cascade"),
    // 0008_indexes
    index("reminders_task_remind_at_idx").on(t.taskId, t.remindAt),
    // The minute sweep: pending reminders coming due that are not yet on the queue.
    index("reminders_pending_due_idx")
      .on(t.remindAt)
      .where(sql`${t.status} = 'pending' and ${t.remindAt} is not null`),
  ],
);
