import { sql, type SQL } from "drizzle-orm";
import { ValidationFailed } from "../../errors/api-error";
import { diffFields, expectedVersion } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { liveTemplateCountSql } from "../limits/active-count";
import { activeTaskLimitGuard } from "../limits/guards";
import { limitsStatement, toUserLimits } from "../limits/read-limits";
import { normalizeTags } from "../tags/normalize";
import { checkTierRules } from "../tasks/rules";
import type { TaskPriority } from "../../db/schema/tasks";
import { presentTask, taskJsonSql, type Task, type TaskRecord } from "../tasks/present";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import type { Limits } from "../users/limits";
import { instanceId } from "./instance-id";
import { currentTemplateSql, ended, presentTemplate, ruleOf, type Template, type TemplateRecord } from "./present";
import { nextOccurrence, parseRule, type Rule } from "./rule";
import { checkTemplateWritable, templateConflictFor, templateForWriteStatement, templateUpdatedGuard } from "./write-support";

/**
 * The writes that change a template (docs/recurring.md "Skip, pause, resume", "Changing a template"): PATCH,
 * skip, pause, resume. Each is one unit of work: round trip 1 reads the template (with its open instance) and
 * the limits, the Worker decides the new state – for rule changes and resumes the next occurrence from now –
 * and round trip 2 commits the versioned template update (guarded), the instance change (skip), and, when
 * the series now waits for an instance, its `recurring_task_generate` message.
 */

export interface UpdateTemplateInput {
  id: string;
  version?: number | undefined;
  ifMatch?: string | undefined;
  title?: string | undefined;
  description?: string | undefined;
  priority?: TaskPriority | undefined;
  estimated_duration?: number | null | undefined;
  tags?: string[] | undefined;
  rrule?: string | undefined;
  timezone?: string | undefined;
  starts_at?: string | undefined;
  until?: string | null | undefined;
  count?: number | null | undefined;
}

export type TemplateAction = "skip" | "pause" | "resume";

const RULE_FIELDS = ["rrule", "timezone", "starts_at", "until", "count"] as const;
const FIELDS = ["title", "description", "priority", "estimated_duration", "tags", ...RULE_FIELDS] as const;

export function updateTemplate({ ctx, input }: { ctx: ServiceContext; input: UpdateTemplateInput }): Promise<Template> {
  const expected = expectedVersion({ bodyVersion: input.version, ifMatch: input.ifMatch, required: true });
  return runWrite(ctx, { operation: "templates.update" }, (unit) => update(unit, input, expected));
}

export function controlTemplate({ ctx, input }: { ctx: ServiceContext; input: { id: string; action: TemplateAction; ifMatch?: string | undefined } }): Promise<Template> {
  const expected = expectedVersion({ ifMatch: input.ifMatch, required: false });
  return runWrite(ctx, { operation: `templates.${input.action}` }, (unit) => control(unit, input.id, input.action, expected));
}

interface Loaded {
  userId: string;
  current: TemplateRecord;
  openTask: Task | undefined;
  limits: Limits;
  maxTasks: number | null;
  templateLimit: number | null;
}

async function load(unit: WriteUnit, id: string, expected: number | undefined, withOpenTask = false): Promise<Loaded> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const templateRows = unit.read(templateForWriteStatement(ctx, userId, id));
  const limitRows = unit.read(limitsStatement(ctx, userId));
  // Skip changes the open instance: read it whole, so its activity entry describes the task (history applies).
  const openRows = withOpenTask
    ? unit.read(ctx.db.execute<{ task: TaskRecord }>(sql`select ${taskJsonSql("t")} as task from task_instances t
        where t.template_id = ${id} and t.user_id = ${userId} and not t.completed and not t.archived`))
    : undefined;
  await unit.load();
  const openTask = openRows?.result.rows[0]?.task;
  const current = checkTemplateWritable(templateRows.result.rows[0]?.template, expected);
  const { limits, tier } = toUserLimits(ctx, limitRows.result.rows[0]);
  return { userId, current, limits, openTask: openTask ? presentTask(openTask) : undefined, maxTasks: limits.max_tasks, templateLimit: tier === "pro" ? null : ctx.config.FREE_MAX_TEMPLATES };
}

async function update(unit: WriteUnit, input: UpdateTemplateInput, expected: number | undefined): Promise<Template> {
  const ctx = unit.ctx;
  const now = ctx.clock.now();
  const loaded = await load(unit, input.id, expected);
  const { current } = loaded;
  checkTierRules(loaded.limits, now, { ...(input.description !== undefined && { description: input.description }) });
  const ruleChanged = RULE_FIELDS.some((field) => input[field] !== undefined);
  // A series has one end: COUNT/UNTIL inside a new RRULE replace the fields unless those are sent too, and a new
  // `until` replaces the stored `count` (a new `count` the stored `until`) – "ends after 10" becomes "ends on
  // 1 June". Sending both, or one beside the other in the rule, is still the 400 of parseRule.
  const inRule = input.rrule !== undefined && /(?:^|;)\s*(?:COUNT|UNTIL)=/i.test(input.rrule);
  const rule: Rule = ruleChanged
    ? parseRule({
        rrule: input.rrule ?? current.rrule,
        timezone: input.timezone ?? current.timezone,
        starts_at: input.starts_at ?? current.starts_at,
        until: input.until !== undefined ? input.until : inRule || (input.count ?? null) !== null ? null : current.until,
        count: input.count !== undefined ? input.count : inRule || (input.until ?? null) !== null ? null : current.count,
      })
    : ruleOf(current);
  const next: TemplateRecord = {
    ...current,
    ...(input.title !== undefined && { title: input.title }),
    ...(input.description !== undefined && { description: input.description }),
    ...(input.priority !== undefined && { priority: input.priority }),
    ...(input.estimated_duration !== undefined && { estimated_duration: input.estimated_duration }),
    ...(input.tags !== undefined && { tags: normalizeTags(input.tags) }),
    rrule: rule.rrule,
    timezone: rule.timezone,
    starts_at: rule.startsAt.toISOString(),
    until: rule.until?.toISOString() ?? null,
    count: rule.count,
  };
  const changes = diffFields(normalized(current), normalized(next), FIELDS);
  if (Object.keys(changes).length === 0) {
    unchangedGuard(unit, loaded.userId, current);
    return presentTemplate(current);
  }
  if ("rrule" in changes || "timezone" in changes || "starts_at" in changes || "until" in changes || "count" in changes) {
    // Recomputed from now: the open instance stays; the next occurrence is the rule's first one after now
    // (and after the open instance's occurrence, so the series never goes back).
    const from = current.open_instance ? new Date(Math.max(now.getTime(), Date.parse(current.open_instance.occurrence_at))) : now;
    const following = await nextOccurrence(rule, from);
    next.next_occurrence_at = following?.at.toISOString() ?? null;
  }
  return commit(unit, loaded, next, [], current.version);
}

async function control(unit: WriteUnit, id: string, action: TemplateAction, expected: number | undefined): Promise<Template> {
  const ctx = unit.ctx;
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const loaded = await load(unit, id, expected, action === "skip");
  const { current, userId } = loaded;
  const extra: SQL[] = [];
  let next: TemplateRecord;
  switch (action) {
    case "pause":
      if (!current.active) {
        unchangedGuard(unit, userId, current);
        return presentTemplate(current);
      }
      next = { ...current, active: false };
      break;
    case "resume": {
      if (current.active) {
        unchangedGuard(unit, userId, current);
        return presentTemplate(current);
      }
      // From the next FUTURE occurrence: what was missed while paused is not back-filled.
      const from = current.open_instance ? new Date(Math.max(now.getTime(), Date.parse(current.open_instance.occurrence_at))) : now;
      const following = current.next_occurrence_at === null && current.open_instance === null ? null : await nextOccurrence(ruleOf(current), from);
      next = { ...current, active: true, next_occurrence_at: following?.at.toISOString() ?? null };
      break;
    }
    case "skip": {
      if (!current.active || ended(current)) throw new ValidationFailed([{ field: "id", reason: "The series is paused or has ended: there is nothing to skip." }]);
      if (current.open_instance) {
        // The open instance closes as skipped (archived, kept in the history); the pending occurrence follows.
        extra.push(sql`update task_instances set archived = true, skipped_at = ${stamp}::timestamptz, version = version + 1, updated_at = ${stamp}::timestamptz
          where id = ${current.open_instance.id} and user_id = ${userId} and not completed and not archived`);
        extra.push(sql`select ${guard(
          "STATE_MOVED",
          sql`exists (select 1 from task_instances t where t.id = ${current.open_instance.id} and t.xmin = pg_current_xact_id()::xid)`,
        )}`);
        next = { ...current, open_instance: null };
        if (loaded.openTask) {
          const task = presentTask({ ...loaded.openTask, archived: true, version: loaded.openTask.version + 1, updated_at: stamp });
          unit.emit({ type: "task.updated", task, changes: { archived: { from: false, to: true }, skipped_at: { from: null, to: stamp } } });
        }
      } else {
        // No instance yet: the pending occurrence itself is skipped.
        const pending = current.next_occurrence_at === null ? null : new Date(current.next_occurrence_at);
        const following = pending === null ? null : await nextOccurrence(ruleOf(current), pending);
        next = { ...current, next_occurrence_at: following?.at.toISOString() ?? null };
      }
      break;
    }
  }
  return commit(unit, loaded, next, extra, expected);
}

/** Writes `next` (version + 1) and, when the series now waits for an instance, its generate message. */
async function commit(unit: WriteUnit, loaded: Loaded, next: TemplateRecord, extra: SQL[], expected?: number): Promise<Template> {
  const ctx = unit.ctx;
  const { userId, current } = loaded;
  const stamp = ctx.clock.now().toISOString();
  const waiting = next.active && next.open_instance === null && next.next_occurrence_at !== null;
  const record: TemplateRecord = {
    ...next,
    version: current.version + 1,
    updated_at: stamp,
    next_instance_id: next.next_occurrence_at === null ? null : await instanceId(current.id, next.next_occurrence_at),
  };
  // A series that starts waiting for an instance now counts as an active task (and, if it had ended, as a template).
  const newlyWaiting = waiting && !(current.active && current.open_instance === null && current.next_occurrence_at !== null);
  const liveCount = liveTemplateCountSql(sql`${userId}::uuid`);
  unit.writeAll([
    ...(newlyWaiting && current.open_instance === null ? activeTaskLimitGuard(ctx, userId, loaded.maxTasks) : []),
    ...(ended(current) && !ended(next) && loaded.templateLimit !== null
      ? [ctx.db.execute(sql`select ${guard("TEMPLATE_LIMIT", sql`${liveCount} < ${loaded.templateLimit}`, sql`jsonb_build_object('limit', ${loaded.templateLimit}::int, 'current', ${liveCount})`)}`)]
      : []),
    ...extra.map((statement) => ctx.db.execute(statement)),
    ctx.db.execute(sql`
      update task_templates set title = ${record.title}, description = ${record.description}, priority = ${record.priority},
        estimated_duration = ${record.estimated_duration}::int, tags = array(select jsonb_array_elements_text(${JSON.stringify(record.tags)}::jsonb)),
        rrule = ${record.rrule}, timezone = ${record.timezone}, starts_at = ${record.starts_at}::timestamptz, until = ${record.until}::timestamptz,
        count = ${record.count}::int, active = ${record.active}, next_occurrence_at = ${record.next_occurrence_at}::timestamptz,
        version = ${record.version}, updated_at = ${stamp}::timestamptz
      where id = ${current.id} and user_id = ${userId} and version = ${current.version}`),
    templateUpdatedGuard(ctx, userId, current.id, templateConflictFor(expected)),
  ]);
  if (waiting && record.next_occurrence_at !== null) {
    unit.enqueue({ type: "recurring_task_generate", template_id: current.id, occurrence_at: new Date(record.next_occurrence_at).toISOString() });
  }
  return presentTemplate(record);
}

function unchangedGuard(unit: WriteUnit, userId: string, current: TemplateRecord) {
  return unit.write(
    unit.ctx.db.execute(sql`select ${guard(
      "TEMPLATE_VERSION_CONFLICT",
      sql`exists (select 1 from task_templates tt where tt.id = ${current.id} and tt.user_id = ${userId} and tt.version = ${current.version})`,
      currentTemplateSql(userId, current.id),
    )}`),
  );
}

function normalized(record: TemplateRecord) {
  return { ...record, starts_at: new Date(record.starts_at).toISOString(), until: record.until === null ? null : new Date(record.until).toISOString() };
}
