/**
 * docs/tasks.md tags: per-user names, attached to tasks through `task_tags`. Migration 0002_tasks.
 */
import { sql } from "drizzle-orm";
import { check, foreignKey, index, pgTable, primaryKey, text, unique, uuid } from "drizzle-orm/pg-core";
import { checkLength, createdAt, id } from "./columns";
import { users } from "./identity";
import { taskInstances } from "./tasks";

export const TAG_NAME_MAX = 50;

export const tags = pgTable(
  "tags",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** Stored lowercased and trimmed (docs/tasks.md); the CHECK refuses anything the API forgot to normalise. */
    name: text("name").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    checkLength("tags_name_length", t.name, 1, TAG_NAME_MAX),
    check("tags_name_normalised", sql`${t.name} = lower(btrim(${t.name}))`),
    // Also serves "find or create the user's tag by name" (INSERT … ON CONFLICT (user_id, name)).
    unique("tags_user_name_unique").on(t.userId, t.name),
    // Target of the composite (tag_id, user_id) reference from task_tags.
    unique("tags_id_user_unique").on(t.id, t.userId),
  ],
);

/**
 * Task ↔ tag links. `user_id` is carried so both composite foreign keys can prove the task and the tag
 * belong to the same user, and so tag counts never need a join to tasks for ownership.
 */
export const taskTags = pgTable(
  "task_tags",
  {
    taskId: uuid("task_id").notNull(),
    tagId: uuid("tag_id").notNull(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
  },
  (t) => [
    primaryKey({ name: "task_tags_pk", columns: [t.taskId, t.tagId] }),
    foreignKey({
      name: "task_tags_task_owner_fk",
      columns: [t.taskId, t.userId],
      foreignColumns: [taskInstances.id, taskInstances.userId],
    }).onDelete("cascade"),
    // `DELETE /tags/{name}` deletes the tag; the cascade removes it from every task (docs/tasks.md).
    foreignKey({
      name: "task_tags_tag_owner_fk",
      columns: [t.tagId, t.userId],
      foreignColumns: [tags.id, tags.userId],
    }).onDelete("cascade"),
    // 0008_indexes
    // Tag filter / tag counts / tag deletion go from the tag to its tasks (the primary key serves the reverse).
    index("task_tags_tag_task_idx").on(t.tagId, t.taskId),
  ],
);
