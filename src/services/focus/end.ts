import { sql } from "drizzle-orm";
import { NotFound } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import type { ResponseFields, UnlockedAchievement } from "../response-fields";
import { lockTaskStatement } from "../tasks/write-support";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { endedSession, focusSessionJsonSql, presentFocusSession, type EndedFocusSession, type FocusSession, type FocusSessionRecord } from "./present";

/** The answer of `POST /focus/sessions/{id}/end`; `unlocked_achievements` comes from the achievements handler. */
export interface EndFocusResult {
  session: FocusSession;
  unlocked_achievements: UnlockedAchievement[];
}

/**
 * `POST /focus/sessions/{id}/end` (docs/reminders-notifications-realtime.md "Focus mode"): elapsed = now −
 * started_at; `completed` when it reached the planned time, else `ended_early` (past planned + 60 min:
 * `abandoned` with the planned time, as the sweep would have closed it). The elapsed seconds go to the task's
 * `focus_time_seconds` – a server-kept counter like the subtask counters: `updated_at` changes, the task's
 * version does not (services/tasks/write-support.ts taskUnchangedSql). The task row is locked first. Emits
 * `focus.ended` (activity log, achievements). A session that has already ended is answered as it is, with no
 * second effect; a parallel end or the sweep winning the race re-runs the write (STATE_MOVED), which then
 * answers the session as the winner left it. ≤ 2 round trips.
 */
export function endFocusSession({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<EndFocusResult> {
  return runWrite(ctx, { operation: "focus.end", finish: withFields }, (unit) => end(unit, input.id));
}

async function end(unit: WriteUnit, id: string): Promise<EndFocusResult> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const rows = unit.read(
    ctx.db.execute<{ session: FocusSessionRecord }>(sql`select ${focusSessionJsonSql("s")} as session from focus_sessions s where s.id = ${id} and s.user_id = ${userId}`),
  );
  await unit.load();
  const record = rows.result.rows[0]?.session;
  if (record === undefined) throw new NotFound("Focus session");
  const current = presentFocusSession(record);
  if (current.status !== "running") return { session: current, unlocked_achievements: [] };
  return { session: closeSession(unit, userId, current), unlocked_achievements: [] };
}

/**
 * Contributes the end of a running session as of the unit's clock (also used by a start that finds the
 * previous session past its abandonment deadline): the task row's lock first, then the session's UPDATE –
 * guarded, so a parallel end or the sweep that won makes this write re-run – the task's counter, and the
 * `focus.ended` event. Returns the session as ended.
 */
export function closeSession(unit: WriteUnit, userId: string, current: FocusSession): EndedFocusSession {
  const ctx = unit.ctx;
  const now = ctx.clock.now();
  const ended = endedSession(current, now);
  const elapsed = ended.elapsed_seconds;
  if (ended.task_id !== null) unit.write(lockTaskStatement(ctx, userId, ended.task_id));
  unit.write(
    ctx.db.execute(sql`
      with ended as (
        update focus_sessions set ended_at = ${ended.ended_at}::timestamptz, elapsed_seconds = ${elapsed}, status = ${ended.status}
        where id = ${ended.id} and user_id = ${userId} and ended_at is null
        returning id)
      select ${guard("STATE_MOVED", sql`exists (select 1 from ended)`)}`),
  );
  if (ended.task_id !== null) {
    // A task deleted meanwhile (the session's task_id was set null) simply gets nothing.
    unit.write(
      ctx.db.execute(sql`update task_instances set focus_time_seconds = focus_time_seconds + ${elapsed},
          updated_at = ${now.toISOString()}::timestamptz
        where id = ${ended.task_id} and user_id = ${userId}`),
    );
  }
  unit.emit({ type: "focus.ended", sessionId: ended.id, taskId: ended.task_id, status: ended.status, elapsedSeconds: elapsed });
  return ended;
}

function withFields(value: EndFocusResult, fields: ResponseFields): EndFocusResult {
  return { ...value, unlocked_achievements: fields.unlocked_achievements ?? [] };
}
