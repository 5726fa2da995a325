import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { requireUserId } from "../users/get-me";

/** One local day of `GET /focus/stats`. */
export interface FocusDay {
  /** The calendar day in the user's time zone, `YYYY-MM-DD`. */
  day: string;
  /** Sessions started that day (a running one included). */
  sessions: number;
  /** Of those, the ones that reached their planned time. */
  completed: number;
  /** Their elapsed seconds (a running session adds its seconds once it ends). */
  focus_seconds: number;
}

export const FOCUS_STATS_DAYS = 30;

/**
 * `GET /focus/stats` (docs/reminders-notifications-realtime.md "Focus mode"): the last 30 days up to today,
 * as days of the user's time zone (`users.timezone`), oldest first and zero-filled – always 30 entries, so a
 * chart needs no gap logic. A session counts on the local day it started. The day boundaries are computed by
 * Postgres (`local midnight AT TIME ZONE zone`), so a day around a DST change is 23 or 25 hours long, as it
 * is on the user's clock. One round trip.
 */
export async function focusStats({ ctx }: { ctx: ServiceContext }): Promise<{ data: FocusDay[] }> {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now().toISOString();
  const result = await ctx.db.execute<FocusDay & Record<string, unknown>>(sql`
    with zone as (select u.timezone as tz, (${now}::timestamptz at time zone u.timezone)::date as today from users u where u.id = ${userId}),
    days as (
      select (z.today - back)::date as day, z.tz from zone z, generate_series(${FOCUS_STATS_DAYS - 1}::int, 0, -1) as back
    )
    select d.day::text as day,
           count(s.id)::int as sessions,
           (count(s.id) filter (where s.status = 'completed'))::int as completed,
           coalesce(sum(s.elapsed_seconds), 0)::int as focus_seconds
    from days d
    left join focus_sessions s on s.user_id = ${userId}
      and s.started_at >= (d.day::timestamp at time zone d.tz)
      and s.started_at < ((d.day + 1)::timestamp at time zone d.tz)
    group by d.day
    order by d.day`);
  return {
    data: result.rows.map((row) => ({ day: row.day, sessions: row.sessions, completed: row.completed, focus_seconds: row.focus_seconds })),
  };
}
