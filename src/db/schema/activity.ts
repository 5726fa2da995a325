/**
 * docs/recovery-and-activity.md activity log (append-only; trigger in 0007) and deletion tombstones. Migration 0007_platform.
 */
import { sql } from "drizzle-orm";
import { check, index, jsonb, pgTable, text, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { checkLength, checkOneOf, checkSlug, createdAt, id, timestamptz } from "./columns";
import { users } from "./identity";

/** Who made a change (ARCHITECTURE/STYLE: the service context's actor union). */
export const ACTIVITY_ACTORS = ["user", "ai", "system", "webhook"] as const;
export type ActivityActor = (typeof ACTIVITY_ACTORS)[number];

/** A field diff: `{ "title": { "from": "a", "to": "b" } }`; created/deleted rows may carry the full row. */
export type ActivityChanges = Record<string, unknown>;

export const TOMBSTONE_ENTITY_TYPES = ["task", "note"] as const;
export type TombstoneEntityType = (typeof TOMBSTONE_ENTITY_TYPES)[number];

/**
 * Exactly the docs/recovery-and-activity.md columns. `entity_type` (`task`, `subtask`, `note`, `template`, `reminder`, …) and
 * `action` (`created`, `updated`, `completed`, …) are open sets checked only for shape, so a new feature
 * can log a new kind of change without a migration. `entity_id` has no foreign key on purpose: the
 * history of a task must survive its deletion (`GET /tasks/{id}/history`).
 */
export const activityLog = pgTable(
  "activity_log",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    entityType: text("entity_type").notNull(),
    entityId: uuid("entity_id").notNull(),
    action: text("action").notNull(),
    actor: text("actor", { enum: ACTIVITY_ACTORS }).notNull(),
    changes: jsonb("changes").$type<ActivityChanges>().notNull().default(sql`'{}'::jsonb`),
    requestId: text("request_id"),
    createdAt: createdAt(),
  },
  (t) => [
    checkSlug("activity_log_entity_type_format", t.entityType, 40),
    checkSlug("activity_log_action_format", t.action, 40),
    checkOneOf("activity_log_actor_values", t.actor, ACTIVITY_ACTORS),
    checkLength("activity_log_request_id_length", t.requestId, 1, 128),
    // 0008_indexes
    // GET /activity (newest first) and GET /tasks/{id}/history (one entity, chronological).
    index("activity_log_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("activity_log_user_entity_idx").on(t.userId, t.entityType, t.entityId, t.createdAt, t.id),
    // Retention purge by age.
    index("activity_log_created_idx").on(t.createdAt),
  ],
);

/**
 * Snapshot of a deleted task (with its subtasks, notes, reminders, tags) or note, restorable with the
 * original ids for 7 days; a user keeps the 3 most recent (docs/recovery-and-activity.md). `restored_at` marks a used one.
 */
export const deletionTombstones = pgTable(
  "deletion_tombstones",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    entityType: text("entity_type", { enum: TOMBSTONE_ENTITY_TYPES }).notNull(),
    entityId: uuid("entity_id").notNull(),
    snapshot: jsonb("snapshot").$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    expiresAt: timestamptz("expires_at").notNull(),
    restoredAt: timestamptz("restored_at"),
  },
  (t) => [
    checkOneOf("deletion_tombstones_entity_type_values", t.entityType, TOMBSTONE_ENTITY_TYPES),
    check("deletion_tombstones_snapshot_object", sql`jsonb_typeof(${t.snapshot}) = 'object'`),
    // An entity has at most one restorable tombstone: a double restore or double delete cannot fork it.
    uniqueIndex("deletion_tombstones_one_open_per_entity")
      .on(t.userId, t.entityType, t.entityId)
      .where(sql`${t.restoredAt} is null`),
    // 0008_indexes
    // GET /recovery (newest first) and "keep the 3 most recent" purge.
    index("deletion_tombstones_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("deletion_tombstones_expires_idx").on(t.expiresAt),
  ],
);
