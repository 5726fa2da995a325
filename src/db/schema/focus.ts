/**
 * docs/reminders-notifications-realtime.md focus mode sessions. Migration 0004_achievements_focus.
 */
import { sql } from "drizzle-orm";
import { boolean, check, foreignKey, index, integer, pgTable, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { checkNonNegative, checkRange, id, sameTruth, timestamptz } from "./columns";
import { users } from "./identity";
import { taskInstances } from "./tasks";

export const FOCUS_MINUTES_MIN = 5;
export const FOCUS_MINUTES_MAX = 180;

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
    /** elapsed ≥ planned (docs/reminders-notifications-realtime.md); set when the session ends. */
    completed: boolean("completed").notNull().default(false),
  },
  (t) => [
    checkRange("focus_sessions_planned_minutes_range", t.plannedMinutes, FOCUS_MINUTES_MIN, FOCUS_MINUTES_MAX),
    checkNonNegative("focus_sessions_elapsed_non_negative", t.elapsedSeconds),
    check(
      "focus_sessions_ended_has_elapsed",
      sameTruth(sql`${t.endedAt} is null`, sql`${t.elapsedSeconds} is null`),
    ),
    check("focus_sessions_completed_has_ended", sql`not ${t.completed} or ${t.endedAt} is not null`),
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
