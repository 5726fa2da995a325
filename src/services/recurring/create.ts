import { sql } from "drizzle-orm";
import type { TaskPriority } from "../../db/schema/tasks";
import { LimitExceeded, ValidationFailed } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { liveTemplateCountSql } from "../limits/active-count";
import { activeTaskLimitGuard } from "../limits/guards";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import { normalizeTags } from "../tags/normalize";
import { checkTierRules } from "../tasks/rules";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { instanceId } from "./instance-id";
import { presentTemplate, type Template } from "./present";
import { expander, parseRule } from "./rule";

export interface CreateTemplateInput {
  title: string;
  description?: string | undefined;
  priority?: TaskPriority | undefined;
  estimated_duration?: number | null | undefined;
  tags?: string[] | undefined;
  rrule: string;
  timezone: string;
  starts_at: string;
  until?: string | null | undefined;
  count?: number | null | undefined;
}

/**
 * `POST /templates` (docs/recurring.md). The rule is checked and its first occurrence (at or after
 * `starts_at`, after now) computed in the Worker; round trip 1 reads the limits and the user's live templates;
 * round trip 2 commits the limit guards (active tasks: the first instance counts from now on; free templates),
 * the template and the `recurring_task_generate` message for its first occurrence – the queue creates the
 * instance, whose id the response already names (`open_instance_id`).
 */
export function createTemplate({ ctx, input }: { ctx: ServiceContext; input: CreateTemplateInput }): Promise<Template> {
  return runWrite(ctx, { operation: "templates.create", status: 201 }, (unit) => create(unit, input));
}

/** Round trip 1: how many live templates the user has (the free plan's template limit). */
export function liveTemplatesStatement(ctx: ServiceContext, userId: string) {
  return ctx.db.execute<{ live: string | number }>(sql`select ${liveTemplateCountSql(sql`${userId}::uuid`)} as live`);
}

async function create(unit: WriteUnit, input: CreateTemplateInput): Promise<Template> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const now = ctx.clock.now();
  const rule = parseRule(input);
  const limitRows = unit.read(limitsStatement(ctx, userId));
  const templateRows = unit.read(liveTemplatesStatement(ctx, userId));
  const [first] = (await expander(rule)).after(now, 1);
  if (first === undefined) throw new ValidationFailed([{ field: "rrule", reason: "The series has no occurrence after now." }]);
  await unit.load();
  const { limits, activeTasks, tier } = toUserLimits(ctx, limitRows.result.rows[0]);
  checkTierRules(limits, now, { ...(input.description !== undefined && { description: input.description }) });
  const tags = normalizeTags(input.tags ?? []);
  if (limits.max_tasks !== null && activeTasks >= limits.max_tasks) throw new LimitExceeded("active tasks", limits.max_tasks, activeTasks);
  const templateLimit = tier === "pro" ? null : ctx.config.FREE_MAX_TEMPLATES;
  const live = Number(templateRows.result.rows[0]?.live ?? 0);
  if (templateLimit !== null && live >= templateLimit) throw new LimitExceeded("recurring templates", templateLimit, live);

  const id = crypto.randomUUID();
  const stamp = now.toISOString();
  const template = presentTemplate({
    id,
    title: input.title,
    description: input.description ?? "",
    priority: input.priority ?? "medium",
    estimated_duration: input.estimated_duration ?? null,
    tags,
    rrule: rule.rrule,
    timezone: rule.timezone,
    starts_at: rule.startsAt.toISOString(),
    until: rule.until?.toISOString() ?? null,
    count: rule.count,
    active: true,
    next_occurrence_at: first.at.toISOString(),
    version: 1,
    created_at: stamp,
    updated_at: stamp,
    open_instance: null,
    next_instance_id: await instanceId(id, first.at),
    instances_generated: 0,
  });
  const liveCount = liveTemplateCountSql(sql`${userId}::uuid`);
  unit.writeAll([
    // Locks the users row first (also when tasks are unlimited), so parallel creates count one after another.
    ...(limits.max_tasks === null ? [ctx.db.execute(sql`select 1 from users where id = ${userId} for no key update`)] : activeTaskLimitGuard(ctx, userId, limits.max_tasks)),
    ...(templateLimit === null
      ? []
      : [ctx.db.execute(sql`select ${guard("TEMPLATE_LIMIT", sql`${liveCount} < ${templateLimit}`, sql`jsonb_build_object('limit', ${templateLimit}::int, 'current', ${liveCount})`)}`)]),
    ctx.db.execute(sql`
      insert into task_templates (id, user_id, title, description, priority, estimated_duration, tags, rrule, timezone, starts_at,
                                  until, count, active, next_occurrence_at, version, created_at, updated_at)
      values (${id}, ${userId}, ${template.title}, ${template.description}, ${template.priority}, ${template.estimated_duration}::int,
              array(select jsonb_array_elements_text(${JSON.stringify(tags)}::jsonb)), ${template.rrule}, ${template.timezone},
              ${template.starts_at}::timestamptz, ${template.until}::timestamptz, ${template.count}::int, true,
              ${template.next_occurrence_at}::timestamptz, 1, ${stamp}::timestamptz, ${stamp}::timestamptz)`),
  ]);
  unit.enqueue({ type: "recurring_task_generate", template_id: id, occurrence_at: first.at.toISOString() });
  return template;
}
