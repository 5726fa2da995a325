import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import { DoNotRetry, type MessageHandler } from "../outbox/messages";
import { setTaskTagsStatements } from "../tags/attach";
import { newTask } from "../tasks/present";
import { runWrite } from "../unit-of-work";
import { AlreadyGenerated } from "./errors";
import { instanceId } from "./instance-id";
import { ruleOf, templateJsonSql, type TemplateRecord } from "./present";
import { nextOccurrence } from "./rule";

/**
 * The `recurring_task_generate` consumer (docs/recurring.md "Instance generation"): creates the instance of
 * the template's pending occurrence and advances `next_occurrence_at`, exactly once whatever the
 * redeliveries. Two round trips: the template (round trip 1), then one batch – the insert (deterministic id,
 * `ON CONFLICT DO NOTHING` on the (template_id, occurrence_at) and one-open-per-template indexes, and only
 * while the template still waits for that occurrence), a guard that this transaction inserted it (else the
 * batch aborts: a redelivery or a parallel consumer did it, nothing more happens), the template's advance,
 * the tags and the activity entry.
 *
 * A message about an occurrence the template no longer waits for (generated already, re-planned by a PATCH,
 * skipped, paused, or an open instance exists) does nothing; about a deleted template it is dropped.
 */
export const generateRecurringTask: MessageHandler<"recurring_task_generate"> = async ({ ctx, message }) => {
  const rows = await ctx.db.execute<{ user_id: string; template: TemplateRecord }>(sql`
    select tt.user_id, ${templateJsonSql("tt")} as template from task_templates tt where tt.id = ${message.template_id}`);
  const row = rows.rows[0];
  if (!row) throw new DoNotRetry("the template no longer exists");
  const template = row.template;
  const pending = template.next_occurrence_at === null ? null : new Date(template.next_occurrence_at).toISOString();
  if (!template.active || pending === null || template.open_instance !== null) return;
  if (message.occurrence_at !== undefined && new Date(message.occurrence_at).toISOString() !== pending) return;
  await generate(ctx, row.user_id, template, pending);
};

async function generate(ctx: ServiceContext, userId: string, template: TemplateRecord, occurrence: string): Promise<void> {
  let following: string | null;
  try {
    following = (await nextOccurrence(ruleOf(template), new Date(occurrence)))?.at.toISOString() ?? null;
  } catch (error) {
    throw new DoNotRetry(`the stored rule cannot be expanded: ${error instanceof Error ? error.message : String(error)}`);
  }
  const id = await instanceId(template.id, occurrence);
  const stamp = ctx.clock.now().toISOString();
  await runWrite(ctx, { operation: "recurring.generate", userId }, async (unit) => {
    unit.writeAll([
      ctx.db.execute(sql`
        insert into task_instances (id, user_id, title, description, priority, due_date, estimated_duration, template_id, occurrence_at,
                                    version, created_at, updated_at)
        select ${id}, tt.user_id, tt.title, tt.description, tt.priority, ${occurrence}::timestamptz, tt.estimated_duration, tt.id,
               ${occurrence}::timestamptz, 1, ${stamp}::timestamptz, ${stamp}::timestamptz
        from task_templates tt where tt.id = ${template.id} and tt.active and tt.next_occurrence_at = ${occurrence}::timestamptz
        on conflict do nothing`),
      ctx.db.execute(sql`select ${guard(
        "RECURRING_ALREADY_GENERATED",
        sql`exists (select 1 from task_instances t where t.id = ${id} and t.xmin = pg_current_xact_id()::xid)`,
      )}`),
      ctx.db.execute(sql`update task_templates set next_occurrence_at = ${following}::timestamptz
        where id = ${template.id} and next_occurrence_at = ${occurrence}::timestamptz`),
      ...setTaskTagsStatements(ctx, userId, id, template.tags, { fresh: true }),
    ]);
    const task = newTask(
      {
        id,
        title: template.title,
        description: template.description,
        priority: template.priority,
        due_date: occurrence,
        estimated_duration: template.estimated_duration,
        hidden: false,
        template_id: template.id,
        occurrence_at: occurrence,
        tags: template.tags,
      },
      stamp,
    );
    unit.emit({ type: "task.created", task });
    return task;
  }).catch((error: unknown) => {
    if (error instanceof AlreadyGenerated) return;
    throw error;
  });
}
