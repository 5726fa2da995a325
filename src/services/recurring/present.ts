import { sql, type SQL } from "drizzle-orm";
import type { TaskPriority } from "../../db/schema/tasks";
import { iso } from "../tasks/present";
import { instanceIdSql } from "./instance-id";
import type { Rule } from "./rule";

/**
 * The template resource (docs/recurring.md "Contract details") and its row as SQL JSON, one shape for reads,
 * guard details and responses.
 */
export interface Template {
  id: string;
  title: string;
  description: string;
  priority: TaskPriority;
  estimated_duration: number | null;
  tags: string[];
  rrule: string;
  timezone: string;
  starts_at: string;
  until: string | null;
  count: number | null;
  /** The series is running: not paused and not ended. */
  active: boolean;
  paused: boolean;
  next_occurrence_at: string | null;
  /** The open instance – or, while the queue is creating it, the id it will have. */
  open_instance_id: string | null;
  instances_generated: number;
  version: number;
  created_at: string;
  updated_at: string;
}

/** A template row as the SQL JSON builds it: the resource's stored fields plus what its answer is derived from. */
export type TemplateRecord = Omit<Template, "paused" | "open_instance_id"> & {
  /** false = paused (or ended). */
  active: boolean;
  /** The open instance, if one exists. */
  open_instance: { id: string; occurrence_at: string } | null;
  /** The id the instance of `next_occurrence_at` has or will have (instance-id.ts). */
  next_instance_id: string | null;
};

/** The series has nothing left: no open instance and no next occurrence. */
export function ended(record: Pick<TemplateRecord, "open_instance" | "next_occurrence_at">): boolean {
  return record.open_instance === null && record.next_occurrence_at === null;
}

export function presentTemplate(record: TemplateRecord): Template {
  const pending = record.open_instance === null && record.active && record.next_occurrence_at !== null;
  return {
    id: record.id,
    title: record.title,
    description: record.description,
    priority: record.priority,
    estimated_duration: record.estimated_duration,
    tags: [...record.tags].sort(),
    rrule: record.rrule,
    timezone: record.timezone,
    starts_at: iso(record.starts_at),
    until: iso(record.until),
    count: record.count,
    active: record.active && !ended(record),
    paused: !record.active,
    next_occurrence_at: iso(record.next_occurrence_at),
    open_instance_id: record.open_instance?.id ?? (pending ? record.next_instance_id : null),
    instances_generated: Number(record.instances_generated),
    version: record.version,
    created_at: iso(record.created_at),
    updated_at: iso(record.updated_at),
  };
}

/** The rule fields of a record as the expander takes them. */
export function ruleOf(record: Pick<TemplateRecord, "rrule" | "timezone" | "starts_at" | "until" | "count">): Rule {
  return {
    rrule: record.rrule,
    timezone: record.timezone,
    startsAt: new Date(record.starts_at),
    until: record.until === null ? null : new Date(record.until),
    count: record.count,
  };
}

/** A template row (alias, code-owned) as a TemplateRecord JSON object. */
export function templateJsonSql(alias: string): SQL {
  const t = sql.raw(alias);
  return sql`((to_jsonb(${t}) - 'user_id') || jsonb_build_object(
    'open_instance', (select jsonb_build_object('id', i.id, 'occurrence_at', i.occurrence_at) from task_instances i
      where i.template_id = ${t}.id and not i.completed and not i.archived limit 1),
    'instances_generated', (select count(*) from task_instances i where i.template_id = ${t}.id),
    'next_instance_id', ${instanceIdSql(sql`${t}.id`, sql`${t}.next_occurrence_at`)}))`;
}

/** Guard details: the template as it is now (fresh snapshot), null when gone. */
export function currentTemplateSql(userId: string, templateId: string): SQL {
  return sql`jsonb_build_object('current', (select ${templateJsonSql("tt")} from task_templates tt where tt.id = ${templateId} and tt.user_id = ${userId}))`;
}

/** Round trip 1 read of one template of the user. */
export function templateStatementSql(userId: string, templateId: string): SQL {
  return sql`select ${templateJsonSql("tt")} as template from task_templates tt where tt.id = ${templateId} and tt.user_id = ${userId}`;
}
