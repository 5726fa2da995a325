import { sql, type SQL } from "drizzle-orm";

/**
 * What the active-task limit counts (docs/tasks.md, docs/recurring.md "Limits"): open (not completed, not
 * archived) tasks, plus every running recurring template whose next instance is on its way through the queue
 * (no open instance yet) – such a template counts as the task it is about to create, so a burst of creates
 * cannot overtake generations in flight. A template with an open instance counts once: the instance is that task.
 */
export function activeTaskCountSql(userId: SQL): SQL {
  return sql`((select count(*) from task_instances t where t.user_id = ${userId} and not t.completed and not t.archived)
    + (select count(*) from task_templates tt where tt.user_id = ${userId} and tt.active and tt.next_occurrence_at is not null
        and not exists (select 1 from task_instances i where i.template_id = tt.id and not i.completed and not i.archived)))`;
}

/**
 * Templates the free template limit counts (FREE_MAX_TEMPLATES): every series that has not ended – one with a
 * next occurrence or an open instance, paused or not (pausing does not free a slot, so resuming needs no check).
 */
export function liveTemplateCountSql(userId: SQL): SQL {
  return sql`(select count(*) from task_templates tt where tt.user_id = ${userId} and (tt.next_occurrence_at is not null
    or exists (select 1 from task_instances i where i.template_id = tt.id and not i.completed and not i.archived)))`;
}
