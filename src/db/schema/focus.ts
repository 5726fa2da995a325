/**
 * docs/reminders-notifications-realtime.md focus mode sessions. Migration 0004_achievements_focus.
 */
import { sql } from "drizzle-orm";
import { check, foreignKey, index, integer, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { checkNonNegative, checkOneOf, checkRange, id, sameTruth, timestamptz } from "./columns";
import { users } from "./identity";
import { taskInstances } from "./tasks";

export const FOCUS_MINUTES_MIN = 5;
export const FOCUS_MINUTES_MAX = 180;
/**
 * running: not ended yet. completed: ended with elapsed ≥ planned. ended_early: ended before the planned
 * time. abandoned: never ended, closed by the minute sweep at planned + 60 min (docs/reminders-notifications-realtime.md).
 */
export const FOCUS_STATUSES = ["running", "completed", "ended_early", "abandoned"] as const;
export type FocusStatus = (typeof FOCUS_STATUSES)[number];

export const focusSessions = pgTable(
  "focus_sessions",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Optional; SET NULL on task deletion so the session still counts for stats and achievements. */
    taskId: uuid("task_id"),
    plannedMinutes: integer("planned_minutes").notNull().default(25),
    startedAt: timestamptz("started_at").notNull().defaultNow(),
    /** null while running. */
    endedAt: timestamptz("ended_at"),
    elapsedSeconds: integer("elapsed_seconds"),
    status: text("status", { enum: FOCUS_STATUSES }).notNull().default("running"),
  },
  (t) => [
    checkRange("focus_sessions_planned_minutes_range", t.plannedMinutes, FOCUS_MINUTES_MIN, FOCUS_MINUTES_MAX),
    checkNonNegative("focus_sessions_elapsed_non_negative", t.elapsedSeconds),
    check(
      "focus_sessions_ended_has_elapsed",
      sameTruth(sql`${t.endedAt} is null`, sql`${t.elapsedSeconds} is null`),
    ),
    checkOneOf("focus_sessions_status_values", t.status, FOCUS_STATUSES),
    check("focus_sessions_running_not_ended", sameTruth(sql`${t.status} = 'running'`, sql`${t.endedAt} is null`)),
    // Single-column on purpose (a composite key could not SET NULL without nulling user_id): the start
    // service checks the task belongs to the user.
    foreignKey({
      name: "focus_sessions_task_fk",
      columns: [t.taskId],
      foreignColumns: [taskInstances.id],
    }).onDelete("set null"),
    // At most one running session per user (docs/reminders-notifications-realtime.md); a second start fails with 23505.
    uniqueIndex("focus_sessions_one_running_per_user")
      .on(t.userId)
      .where(sql`${t.endedAt} is null`),
    // 0008_indexes
    // GET /focus/sessions and /focus/stats (last 30 days per day).
    index("focus_sessions_user_started_idx").on(t.userId, t.startedAt, t.id),
    index("focus_sessions_task_idx").on(t.taskId).where(sql`${t.taskId} is not null`),
  ],
);
