import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { ABANDON_AFTER_MINUTES } from "./present";

/**
 * The minute sweep `abandon_focus_sessions` (docs/reminders-notifications-realtime.md "Focus mode"): every
 * session still running at `started_at + planned + 60 min` (as of the job's clock, its scheduled time) is
 * closed as `abandoned` at exactly that instant, with `elapsed_seconds = planned_minutes × 60` (its planned
 * time at most), and those seconds are added to its task's `focus_time_seconds` (no new task version, as for
 * an ended session). Set-based for all users, in one batch of two statements (one round trip, one
 * transaction): first the tasks concerned are locked (in id order – the lock order of every task write: task
 * row first, then the session), then the sessions are closed, the tasks counted and one `abandoned` activity
 * entry per session written (actor `system`). Only running sessions are touched, so a second run – or a run
 * for an earlier instant – finds nothing to do. Abandoned sessions do not count as completed; no event
 * handlers run (nothing but the activity log listens to an abandonment).
 */
export async function abandonOverdueFocusSessions({ ctx }: { ctx: ServiceContext }): Promise<Record<string, unknown>> {
  const now = ctx.clock.now().toISOString();
  const deadline = sql`s.started_at + make_interval(mins => s.planned_minutes + ${ABANDON_AFTER_MINUTES}::int)`;
  const overdue = sql`s.ended_at is null and ${deadline} <= ${now}::timestamptz`;
  const [, closed] = await ctx.db.batch([
    ctx.db.execute(sql`
      select t.id from task_instances t
      where t.id in (select s.task_id from focus_sessions s where ${overdue} and s.task_id is not null)
      order by t.id
      for no key update of t`),
    ctx.db.execute<{ abandoned: number; tasks: number }>(sql`
      with closed as (
        update focus_sessions s set status = 'abandoned', ended_at = ${deadline}, elapsed_seconds = s.planned_minutes * 60
        where ${overdue}
        returning s.id, s.user_id, s.task_id, s.elapsed_seconds
      ),
      per_task as (
        select c.task_id, c.user_id, sum(c.elapsed_seconds)::int as seconds from closed c where c.task_id is not null group by c.task_id, c.user_id
      ),
      counted as (
        update task_instances t set focus_time_seconds = t.focus_time_seconds + p.seconds, updated_at = ${now}::timestamptz
        from per_task p where t.id = p.task_id and t.user_id = p.user_id
        returning t.id
      ),
      logged as (
        insert into activity_log (user_id, entity_type, entity_id, action, actor, changes, request_id, created_at)
        select c.user_id, 'focus_session', c.id, 'abandoned', 'system',
               jsonb_build_object('elapsed_seconds', jsonb_build_object('from', null, 'to', c.elapsed_seconds),
                                  'task_id', jsonb_build_object('from', null, 'to', c.task_id)),
               ${ctx.requestId.slice(0, 128)}, ${now}::timestamptz
        from closed c
        returning 1
      )
      select (select count(*) from closed)::int as abandoned, (select count(*) from counted)::int as tasks`),
  ]);
  const row = closed.rows[0];
  return { abandoned: row?.abandoned ?? 0, tasks: row?.tasks ?? 0 };
}
