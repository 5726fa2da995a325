import { sql, type SQL } from "drizzle-orm";
import type { CompletedBy, SubtaskSource, TaskPriority } from "../../db/schema/tasks";
import type { ReminderChannel, ReminderKind, ReminderStatus } from "../../db/schema/reminders";

/**
 * The one presenter of docs/tasks.md resources: every response, conflict detail, event and tombstone goes through
 * these functions, so a task looks the same wherever it appears.
 *
 * Rows come from Postgres as JSON (`to_jsonb(row)`, see the SQL fragments below): one shape for reads,
 * guard details and tombstone snapshots alike. Instants arrive as Postgres JSON text
 * (`2026-03-01T09:00:00.123456+00:00`) and leave as RFC 3339 UTC (`toISOString()`).
 */
export interface TaskRecord {
  id: string;
  title: string;
  description: string;
  priority: TaskPriority;
  due_date: string | null;
  estimated_duration: number | null;
  focus_time_seconds: number;
  completed: boolean;
  completed_at: string | null;
  completed_by: CompletedBy | null;
  /** Internal (docs/achievements-and-streaks.md): when the task was first completed; not part of the API's task. */
  first_completed_at?: string | null;
  hidden: boolean;
  archived: boolean;
  template_id: string | null;
  occurrence_at: string | null;
  subtask_count: number;
  subtasks_completed: number;
  version: number;
  created_at: string;
  updated_at: string;
  tags: string[];
}

/** The API's task (docs/tasks.md), as sent. */
export type Task = TaskRecord;

export interface SubtaskRecord {
  id: string;
  task_id: string;
  title: string;
  completed: boolean;
  completed_at: string | null;
  position: number;
  source: SubtaskSource;
  version: number;
  created_at: string;
  updated_at: string;
}

export type Subtask = SubtaskRecord;

export interface ReminderRecord {
  id: string;
  task_id: string;
  kind: ReminderKind;
  remind_at: string | null;
  offset_minutes: number | null;
  channel: ReminderChannel;
  status: ReminderStatus;
  fired_at: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * A reminder as the API sends it (docs/reminders-notifications-realtime.md#reminders): `sent_at` is when it
 * fired (the column is `fired_at`).
 */
export interface Reminder {
  id: string;
  task_id: string;
  kind: ReminderKind;
  remind_at: string | null;
  offset_minutes: number | null;
  channel: ReminderChannel;
  status: ReminderStatus;
  sent_at: string | null;
  created_at: string;
  updated_at: string;
}

/** GET /tasks/{id}: the task with its subtasks (by position) and reminders (docs/tasks.md). */
export interface TaskDetail extends Task {
  subtasks: Subtask[];
  reminders: Reminder[];
}

export function iso(value: string | Date): string;
export function iso(value: string | Date | null): string | null;
export function iso(value: string | Date | null): string | null {
  if (value === null) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** The fields a task is created with (by the API or as a recurring instance); the rest start empty. */
export type NewTask = Pick<Task, "id" | "title" | "description" | "priority" | "due_date" | "estimated_duration" | "hidden" | "template_id" | "occurrence_at" | "tags">;

/** A task as it is when just created at `stamp`: open, version 1, no subtasks, no focus time. */
export function newTask(fields: NewTask, stamp: string): Task {
  return presentTask({
    ...fields,
    focus_time_seconds: 0,
    completed: false,
    completed_at: null,
    completed_by: null,
    archived: false,
    subtask_count: 0,
    subtasks_completed: 0,
    version: 1,
    created_at: stamp,
    updated_at: stamp,
  });
}

export function presentTask(row: TaskRecord): Task {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    priority: row.priority,
    due_date: iso(row.due_date),
    estimated_duration: row.estimated_duration,
    focus_time_seconds: row.focus_time_seconds,
    completed: row.completed,
    completed_at: iso(row.completed_at),
    completed_by: row.completed_by,
    hidden: row.hidden,
    archived: row.archived,
    template_id: row.template_id,
    occurrence_at: iso(row.occurrence_at),
    subtask_count: row.subtask_count,
    subtasks_completed: row.subtasks_completed,
    version: row.version,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    tags: [...(row.tags ?? [])].sort(),
  };
}

export function presentSubtask(row: SubtaskRecord): Subtask {
  return {
    id: row.id,
    task_id: row.task_id,
    title: row.title,
    completed: row.completed,
    completed_at: iso(row.completed_at),
    position: row.position,
    source: row.source,
    version: row.version,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export function presentReminder(row: ReminderRecord): Reminder {
  return {
    id: row.id,
    task_id: row.task_id,
    kind: row.kind,
    remind_at: iso(row.remind_at),
    offset_minutes: row.offset_minutes,
    channel: row.channel,
    status: row.status,
    sent_at: iso(row.fired_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

export function presentTaskDetail(row: TaskRecord & { subtasks: SubtaskRecord[]; reminders: ReminderRecord[] }): TaskDetail {
  return {
    ...presentTask(row),
    subtasks: row.subtasks.map(presentSubtask),
    reminders: row.reminders.map(presentReminder),
  };
}

/** The task's tag names as a sorted JSON array (SQL). `alias` is a code-owned table alias. */
export function tagNamesSql(alias: string): SQL {
  const t = sql.raw(alias);
  return sql`coalesce((select jsonb_agg(g.name order by g.name) from task_tags tt join tags g on g.id = tt.tag_id
    where tt.task_id = ${t}.id and tt.user_id = ${t}.user_id), '[]'::jsonb)`;
}

/** A task row as a TaskRecord JSON object (SQL). */
export function taskJsonSql(alias: string): SQL {
  const t = sql.raw(alias);
  return sql`((to_jsonb(${t}) - 'search' - 'priority_rank' - 'user_id') || jsonb_build_object('tags', ${tagNamesSql(alias)}))`;
}

/** The subtasks of a task as a JSON array of SubtaskRecord, by position (SQL). */
export function subtasksJsonSql(alias: string): SQL {
  const t = sql.raw(alias);
  return sql`coalesce((select jsonb_agg(to_jsonb(s) - 'user_id' order by s.position, s.created_at, s.id) from subtasks s
    where s.task_id = ${t}.id and s.user_id = ${t}.user_id), '[]'::jsonb)`;
}

/** The reminders of a task as a JSON array (SQL), soonest first. */
export function remindersJsonSql(alias: string): SQL {
  const t = sql.raw(alias);
  return sql`coalesce((select jsonb_agg(to_jsonb(r) - 'user_id' - 'enqueued_at' order by r.remind_at nulls last, r.created_at, r.id)
    from reminders r where r.task_id = ${t}.id and r.user_id = ${t}.user_id), '[]'::jsonb)`;
}
