/**
 * docs/tasks.md tasks and subtasks, docs/recurring.md recurring templates. Migration 0002_tasks (secondary indexes: 0008).
 *
 * Every task is a `task_instances` row; a recurring one also carries `template_id` + `occurrence_at`.
 */
import { sql } from "drizzle-orm";
import {
  boolean,
  check,
  foreignKey,
  index,
  integer,
  pgTable,
  smallint,
  text,
  unique,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import {
  checkLength,
  checkNonNegative,
  checkOneOf,
  checkRange,
  createdAt,
  id,
  sameTruth,
  timestamptz,
  tsvector,
  updatedAt,
  version,
} from "./columns";
import { users } from "./identity";

export const TASK_PRIORITIES = ["low", "medium", "high"] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];

export const COMPLETED_BY = ["manual", "auto", "force"] as const;
export type CompletedBy = (typeof COMPLETED_BY)[number];

export const SUBTASK_SOURCES = ["user", "ai"] as const;
export type SubtaskSource = (typeof SUBTASK_SOURCES)[number];

/** The Pro maximum; the per-tier limit (free 1000) is enforced by the API (docs/tasks.md). */
export const DESCRIPTION_MAX = 2000;
export const TITLE_MAX = 200;

export const taskTemplates = pgTable(
  "task_templates",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    priority: text("priority", { enum: TASK_PRIORITIES }).notNull().default("medium"),
    estimatedDuration: integer("estimated_duration"),
    /** Tag names copied onto each generated instance (as task_tags rows); normalised by the API. */
    tags: text("tags").array().notNull().default(sql`'{}'::text[]`),
    /** RFC 5545 RRULE without DTSTART/UNTIL/COUNT, which live in their own columns. */
    rrule: text("rrule").notNull(),
    timezone: text("timezone").notNull(),
    startsAt: timestamptz("starts_at").notNull(),
    until: timestamptz("until"),
    count: integer("count"),
    /** false = paused (docs/recurring.md pause/resume): no instance is generated while paused. */
    active: boolean("active").notNull().default(true),
    /** The next occurrence not yet generated; null once the series has ended. */
    nextOccurrenceAt: timestamptz("next_occurrence_at"),
    version: version(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    checkLength("task_templates_title_length", t.title, 1, TITLE_MAX),
    checkLength("task_templates_description_length", t.description, 0, DESCRIPTION_MAX),
    checkOneOf("task_templates_priority_values", t.priority, TASK_PRIORITIES),
    checkRange("task_templates_estimated_duration_range", t.estimatedDuration, 1, 720),
    check("task_templates_tags_max", sql`cardinality(${t.tags}) <= 10`),
    checkLength("task_templates_rrule_length", t.rrule, 1, 500),
    checkLength("task_templates_timezone_length", t.timezone, 1, 64),
    // RFC 5545 §3.3.10: UNTIL and COUNT MUST NOT occur together.
    check("task_templates_until_xor_count", sql`${t.until} is null or ${t.count} is null`),
    checkRange("task_templates_count_range", t.count, 1, 10000),
    check("task_templates_version_positive", sql`${t.version} >= 1`),
    // 0008_indexes
    index("task_templates_user_created_idx").on(t.userId, t.createdAt, t.id),
    // Recurring catch-up (minute cron): active series whose next occurrence is due.
    index("task_templates_next_occurrence_idx")
      .on(t.nextOccurrenceAt)
      .where(sql`${t.active} and ${t.nextOccurrenceAt} is not null`),
  ],
);

export const taskInstances = pgTable(
  "task_instances",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    description: text("description").notNull().default(""),
    priority: text("priority", { enum: TASK_PRIORITIES }).notNull().default("medium"),
    /**
     * low=1, medium=2, high=3: `sort=priority` orders and paginates on this (text order would put "high"
     * before "low" before "medium"). Generated, so it can never disagree with `priority`.
     */
    priorityRank: smallint("priority_rank")
      .notNull()
      .generatedAlwaysAs(sql`case priority when 'high' then 3 when 'medium' then 2 else 1 end`),
    dueDate: timestamptz("due_date"),
    estimatedDuration: integer("estimated_duration"),
    focusTimeSeconds: integer("focus_time_seconds").notNull().default(0),
    completed: boolean("completed").notNull().default(false),
    completedAt: timestamptz("completed_at"),
    completedBy: text("completed_by", { enum: COMPLETED_BY }),
    /**
     * When the task was first completed (docs/achievements-and-streaks.md): set once, kept through reopening,
     * so a task counts toward the lifetime completions exactly once however often it is reopened.
     */
    firstCompletedAt: timestamptz("first_completed_at"),
    hidden: boolean("hidden").notNull().default(false),
    archived: boolean("archived").notNull().default(false),
    /**
     * When the instance was skipped (docs/recurring.md `POST /templates/{id}/skip`, migration 0012): a skipped
     * instance is archived (no longer active) and shows as `skipped` in the template's history.
     */
    skippedAt: timestamptz("skipped_at"),
    /** SET NULL when the template is deleted: its instances stay as ordinary tasks. */
    templateId: uuid("template_id"),
    occurrenceAt: timestamptz("occurrence_at"),
    /** Denormalised counters kept by the subtask services in the same statement as the subtask change. */
    subtaskCount: integer("subtask_count").notNull().default(0),
    subtasksCompleted: integer("subtasks_completed").notNull().default(0),
    /** Full-text vector for `GET /tasks?q=` (docs/tasks.md): title weighted A, description B. */
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs(
        sql.raw(
          "setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') || " +
            "setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'B')",
        ),
      ),
    version: version(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    checkLength("task_instances_title_length", t.title, 1, TITLE_MAX),
    checkLength("task_instances_description_length", t.description, 0, DESCRIPTION_MAX),
    checkOneOf("task_instances_priority_values", t.priority, TASK_PRIORITIES),
    checkRange("task_instances_estimated_duration_range", t.estimatedDuration, 1, 720),
    checkNonNegative("task_instances_focus_time_non_negative", t.focusTimeSeconds),
    checkOneOf("task_instances_completed_by_values", t.completedBy, COMPLETED_BY),
    check(
      "task_instances_completion_consistent",
      sql`${sameTruth(sql`${t.completed}`, sql`${t.completedAt} is not null`)} and ${sameTruth(
        sql`${t.completed}`,
        sql`${t.completedBy} is not null`,
      )}`,
    ),
    check("task_instances_first_completion_kept", sql`not ${t.completed} or ${t.firstCompletedAt} is not null`),
    check(
      "task_instances_occurrence_with_template",
      sql`${t.templateId} is null or ${t.occurrenceAt} is not null`,
    ),
    check(
      "task_instances_subtask_counters",
      sql`${t.subtasksCompleted} >= 0 and ${t.subtasksCompleted} <= ${t.subtaskCount}`,
    ),
    check("task_instances_version_positive", sql`${t.version} >= 1`),
    // Single-column on purpose: a composite (template_id, user_id) key could not SET NULL without also
    // nulling user_id. The generator copies user_id from the template, so ownership still matches.
    foreignKey({
      name: "task_instances_template_fk",
      columns: [t.templateId],
      foreignColumns: [taskTemplates.id],
    }).onDelete("set null"),
    // Generation is idempotent per (template, occurrence) (docs/recurring.md); NULLs (plain tasks) never collide.
    unique("task_instances_template_occurrence_unique").on(t.templateId, t.occurrenceAt),
    // At most one open instance per template (docs/recurring.md). Reopening an old instance while a newer one is
    // open fails with 23505: the service must decide (e.g. refuse, or remove the untouched newer one).
    uniqueIndex("task_instances_one_open_per_template")
      .on(t.templateId)
      .where(sql`${t.templateId} is not null and not ${t.completed} and not ${t.archived}`),
    // Target of the composite (task_id, user_id) references: a child row can only hang off its owner's task.
    unique("task_instances_id_user_unique").on(t.id, t.userId),
    // 0008_indexes
    // One per `sort` of GET /tasks (docs/tasks.md); `id` last = the keyset-pagination tie-breaker.
    index("task_instances_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("task_instances_user_updated_idx").on(t.userId, t.updatedAt, t.id),
    index("task_instances_user_due_idx").on(t.userId, t.dueDate, t.id),
    index("task_instances_user_priority_idx").on(t.userId, t.priorityRank, t.createdAt, t.id),
    // The active-task limit (docs/tasks.md): counting a user's open tasks reads only this small index.
    index("task_instances_user_active_idx")
      .on(t.userId)
      .where(sql`not ${t.completed} and not ${t.archived}`),
    // `q` full-text search (docs/tasks.md), combined with the user_id indexes by a bitmap AND.
    index("task_instances_search_idx").using("gin", t.search),
  ],
);

export const subtasks = pgTable(
  "subtasks",
  {
    id: id(),
    taskId: uuid("task_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    title: text("title").notNull(),
    completed: boolean("completed").notNull().default(false),
    completedAt: timestamptz("completed_at"),
    /**
     * Display order within the task. Not unique: a reorder rewrites many positions in one statement and
     * Postgres checks non-deferrable uniques row by row, so swaps would fail spuriously.
     */
    position: integer("position").notNull(),
    source: text("source", { enum: SUBTASK_SOURCES }).notNull().default("user"),
    version: version(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    checkLength("subtasks_title_length", t.title, 1, TITLE_MAX),
    check("subtasks_completion_consistent", sameTruth(sql`${t.completed}`, sql`${t.completedAt} is not null`)),
    checkNonNegative("subtasks_position_non_negative", t.position),
    checkOneOf("subtasks_source_values", t.source, SUBTASK_SOURCES),
    check("subtasks_version_positive", sql`${t.version} >= 1`),
    foreignKey({
      name: "subtasks_task_owner_fk",
      columns: [t.taskId, t.userId],
      foreignColumns: [taskInstances.id, taskInstances.userId],
    }).onDelete("cascade"),
    // 0008_indexes
    index("subtasks_task_position_idx").on(t.taskId, t.position),
  ],
);
