/**
 * docs/achievements-and-streaks.md achievements, streaks and perks. Migration 0004_achievements_focus (which also seeds the
 * catalogue).
 */
import { sql } from "drizzle-orm";
import { check, date, integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import { checkLength, checkNonNegative, checkOneOf, createdAt, timestamptz, updatedAt } from "./columns";
import { users } from "./identity";

export const ACHIEVEMENT_METRICS = ["tasks_completed", "streak", "focus_completed", "notes_converted"] as const;
export type AchievementMetric = (typeof ACHIEVEMENT_METRICS)[number];

export const PERK_TYPES = ["max_tasks", "max_subtasks", "max_notes", "daily_ai_credits"] as const;
export type PerkType = (typeof PERK_TYPES)[number];

/** The catalogue (seeded by the migration; rows may be added later without a code change). */
export const achievementDefinitions = pgTable(
  "achievement_definitions",
  {
    /** Stable, human-readable key such as `tasks_5`: it is the API's achievement id. */
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    metric: text("metric", { enum: ACHIEVEMENT_METRICS }).notNull(),
    /** Unlocks when the metric reaches this value (streak: the current streak length in days). */
    threshold: integer("threshold").notNull(),
    perkType: text("perk_type", { enum: PERK_TYPES }).notNull(),
    perkValue: integer("perk_value").notNull(),
    sortOrder: integer("sort_order").notNull().default(0),
    createdAt: createdAt(),
  },
  (t) => [
    check("achievement_definitions_id_format", sql`${t.id} ~ '^[a-z][a-z0-9_]{0,63}$'`),
    checkLength("achievement_definitions_name_length", t.name, 1, 100),
    checkLength("achievement_definitions_description_length", t.description, 1, 500),
    checkOneOf("achievement_definitions_metric_values", t.metric, ACHIEVEMENT_METRICS),
    check("achievement_definitions_threshold_positive", sql`${t.threshold} > 0`),
    checkOneOf("achievement_definitions_perk_type_values", t.perkType, PERK_TYPES),
    check("achievement_definitions_perk_value_positive", sql`${t.perkValue} > 0`),
  ],
);

/**
 * Per-user progress counters (docs/achievements-and-streaks.md), one row per user, created lazily with
 * `INSERT … ON CONFLICT (user_id) DO UPDATE` by the first completion (or at sign-up).
 */
export const userAchievementStates = pgTable(
  "user_achievement_states",
  {
    userId: uuid("user_id")
      .primaryKey()
      .references(() => users.id, { onDelete: "cascade" }),
    lifetimeTasksCompleted: integer("lifetime_tasks_completed").notNull().default(0),
    currentStreak: integer("current_streak").notNull().default(0),
    longestStreak: integer("longest_streak").notNull().default(0),
    /** UTC calendar day of the last counted completion (streaks are UTC days, docs/achievements-and-streaks.md). */
    lastCompletionDate: date("last_completion_date", { mode: "string" }),
    focusCompletions: integer("focus_completions").notNull().default(0),
    notesConverted: integer("notes_converted").notNull().default(0),
    updatedAt: updatedAt(),
  },
  (t) => [
    checkNonNegative("user_achievement_states_lifetime_non_negative", t.lifetimeTasksCompleted),
    checkNonNegative("user_achievement_states_current_streak_non_negative", t.currentStreak),
    check("user_achievement_states_longest_streak", sql`${t.longestStreak} >= ${t.currentStreak}`),
    checkNonNegative("user_achievement_states_focus_non_negative", t.focusCompletions),
    checkNonNegative("user_achievement_states_notes_non_negative", t.notesConverted),
  ],
);

/** Unlocked achievements. The primary key makes "unlocks at most once" hold under concurrent completions. */
export const userAchievements = pgTable(
  "user_achievements",
  {
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    // No cascade: removing a definition that users have unlocked must be a deliberate data migration.
    achievementId: text("achievement_id")
      .notNull()
      .references(() => achievementDefinitions.id, { onDelete: "restrict" }),
    unlockedAt: timestamptz("unlocked_at").notNull().defaultNow(),
  },
  (t) => [primaryKey({ name: "user_achievements_pk", columns: [t.userId, t.achievementId] })],
);
