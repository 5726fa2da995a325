import { sql } from "drizzle-orm";
import type { EventHandler } from "../events/handlers";
import { guard } from "../guards";
import type { NextInstance } from "../response-fields";
import { iso } from "../tasks/present";
import { templateJsonSql, type TemplateRecord } from "./present";

/** The completions that can schedule a series' next instance. */
const COMPLETING: ReadonlySet<string> = new Set(["tasks.complete"]);

interface InstanceRow extends Record<string, unknown> {
  template: TemplateRecord;
  occurrence_at: string;
  completed: boolean;
  /** The instance generated after this one, if any. */
  following: NextInstance | null;
}

/**
 * Recurring series as an event handler (docs/recurring.md "Instance generation"): completing a template's open
 * instance schedules the next one in the completion's own batch – a `recurring_task_generate` message for
 * the template's pending occurrence (the outbox) – and answers it as `next_instance` (its id is known in
 * advance). Round trip 1 carries the template of the task being completed (by `subjectId`), so a completion
 * stays at two round trips.
 *
 * Exactly once: only the completion whose batch moves the instance from open to completed has the
 * `task.completed` transition; a parallel one re-runs (the task's STATE_MOVED guard) and then finds the task
 * completed – it answers the same next instance (the one generated after it, or the pending occurrence's id)
 * and enqueues nothing. The batch's guard re-runs the write if the template's pending occurrence moved
 * meanwhile (a PATCH of the rule, a skip), so the answer always names what the message will create.
 */
export const recurringHandler: EventHandler = {
  name: "recurring",
  open(unit) {
    const userId = unit.userId;
    const taskId = unit.subjectId;
    if (userId === undefined || taskId === undefined || !COMPLETING.has(unit.operation)) return undefined;
    const rows = unit.read(
      unit.ctx.db.execute<InstanceRow>(sql`
        select ${templateJsonSql("tt")} as template, t.occurrence_at, t.completed,
          (select jsonb_build_object('id', f.id, 'occurrence_at', f.occurrence_at, 'due_date', f.due_date) from task_instances f
            where f.template_id = t.template_id and f.occurrence_at > t.occurrence_at order by f.occurrence_at limit 1) as following
        from task_instances t join task_templates tt on tt.id = t.template_id and tt.user_id = t.user_id
        where t.id = ${taskId} and t.user_id = ${userId}`),
    );
    return (events) => {
      const row = rows.result.rows[0];
      if (!row) return;
      const template = row.template;
      const pending = template.active && template.next_occurrence_at !== null && template.next_instance_id !== null
        ? { id: template.next_instance_id, occurrence_at: iso(template.next_occurrence_at), due_date: iso(template.next_occurrence_at) }
        : null;
      const transition = events.some((event) => event.type === "task.completed" && event.task.id === taskId && "completed" in event.changes);
      if (!transition) {
        // Completed before (a retry, or the loser of a parallel completion): the instance that followed it – or,
        // while the queue is creating it, the pending occurrence. This read may predate the winner's commit
        // (statements of a batch each see what committed before they started), which then still shows this
        // task as the open one: the winner's guard held the pending occurrence, so it is the same answer.
        const following = row.following ? { id: row.following.id, occurrence_at: iso(row.following.occurrence_at), due_date: iso(row.following.due_date) } : null;
        const stillWaiting = template.open_instance === null || template.open_instance.id === taskId;
        unit.fields.next_instance = following ?? (stillWaiting ? pending : null);
        return;
      }
      if (pending === null) {
        unit.fields.next_instance = null;
        return;
      }
      unit.write(
        unit.ctx.db.execute(sql`select ${guard(
          "STATE_MOVED",
          sql`exists (select 1 from task_templates tt where tt.id = ${template.id} and tt.active and tt.next_occurrence_at = ${pending.occurrence_at}::timestamptz)`,
        )}`),
      );
      unit.enqueue({ type: "recurring_task_generate", template_id: template.id, occurrence_at: pending.occurrence_at });
      unit.fields.next_instance = pending;
    };
  },
};
