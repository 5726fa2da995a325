import { sql, type SQL } from "drizzle-orm";
import type { FocusStatus } from "../../db/schema/focus";
import { ApiError } from "../../errors/api-error";
import { iso } from "../tasks/present";

/** A focus_sessions row as `to_jsonb(s) - 'user_id'` gives it (docs/reminders-notifications-realtime.md "Focus mode"). */
export interface FocusSessionRecord {
  id: string;
  task_id: string | null;
  planned_minutes: number;
  started_at: string;
  ended_at: string | null;
  elapsed_seconds: number | null;
  status: FocusStatus;
}

/** A session as the API answers it (instants in RFC 3339 UTC with milliseconds). */
export type FocusSession = FocusSessionRecord;

/** A session once it has ended. */
export type EndedFocusSession = FocusSession & { status: Exclude<FocusStatus, "running">; ended_at: string; elapsed_seconds: number };

/** How long past its planned time a never-ended session stays running before the minute sweep abandons it. */
export const ABANDON_AFTER_MINUTES = 60;

export function presentFocusSession(row: FocusSessionRecord): FocusSession {
  return {
    id: row.id,
    task_id: row.task_id,
    planned_minutes: row.planned_minutes,
    started_at: iso(row.started_at),
    ended_at: iso(row.ended_at),
    elapsed_seconds: row.elapsed_seconds,
    status: row.status,
  };
}

/** The JSON of a session row (alias `alias`) as `FocusSessionRecord`. */
export function focusSessionJsonSql(alias: string): SQL {
  return sql`(to_jsonb(${sql.raw(alias)}) - 'user_id')`;
}

/** `409 FOCUS_SESSION_RUNNING` with the running session in `details.session`. */
export function focusSessionRunning(session: FocusSession): ApiError {
  return new ApiError("FOCUS_SESSION_RUNNING", { message: "A focus session is already running; end it first.", details: { session } });
}

/**
 * How a running session ends at `now` (docs/reminders-notifications-realtime.md "Focus mode"): `completed`
 * when it lasted at least its planned time, else `ended_early`. Past planned + 60 min it is what the minute
 * sweep makes of it – `abandoned` at that deadline with its planned time – whether or not the sweep has run
 * yet, so the outcome never depends on the sweep's timing.
 */
export function endedSession(session: FocusSession, now: Date): EndedFocusSession {
  const started = new Date(session.started_at).getTime();
  const planned = session.planned_minutes * 60;
  const deadline = abandonmentDeadline(session);
  if (now.getTime() >= deadline) {
    return { ...session, ended_at: new Date(deadline).toISOString(), elapsed_seconds: planned, status: "abandoned" };
  }
  const elapsed = Math.max(0, Math.floor((now.getTime() - started) / 1000));
  const endedAt = new Date(Math.max(now.getTime(), started)).toISOString();
  return { ...session, ended_at: endedAt, elapsed_seconds: elapsed, status: elapsed >= planned ? "completed" : "ended_early" };
}

/** When the minute sweep abandons a session that is never ended: started_at + planned + 60 min (epoch ms). */
function abandonmentDeadline(session: FocusSession): number {
  return new Date(session.started_at).getTime() + (session.planned_minutes + ABANDON_AFTER_MINUTES) * 60_000;
}

/** Whether a running session is past its abandonment deadline at `now`. */
export function isOverdue(session: FocusSession, now: Date): boolean {
  return session.status === "running" && now.getTime() >= abandonmentDeadline(session);
}
