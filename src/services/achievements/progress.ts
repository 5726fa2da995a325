import { sql } from "drizzle-orm";
import type { DomainEvent } from "../events/types";
import type { EventHandler } from "../events/handlers";
import { guard } from "../guards";
import { presentNotification, type Notification } from "../notifications/present";
import type { WriteUnit } from "../unit-of-work";
import { definitionJsonSql, EMPTY_STATE, metricValue, metricValueSql, presentUnlocked, type AchievementDefinition, type ProgressState } from "./catalogue";

/**
 * Achievements and streaks as an event handler (docs/achievements-and-streaks.md): the progress a write's
 * events make – a task completed for the first time, a day with a completion, a completed focus session –
 * is written in the write's own commit batch, and an achievement whose threshold the write reaches unlocks
 * in that batch and is answered inline (`unlocked_achievements`), with an in-app notification and an
 * `achievement.unlocked` event.
 *
 * Exactly once, also under concurrency: the counters are moved blindly (`+ n`, so parallel writes never lose
 * a count) and the state row's lock serialises the writers of one user. The write predicts, from its read,
 * which achievements it unlocks and claims them (`user_achievements` primary key); the batch's guard
 * re-runs the write (`STATE_MOVED`) when the prediction was wrong – a claim someone else made first, or a
 * threshold the committed counters reach that nobody claimed (a parallel write moved them meanwhile). So the
 * one write whose batch really crosses a threshold is the one that answers with the unlock.
 */

/** The writes whose events can move progress; any other write reads nothing for achievements. */
const PROGRESS_OPERATIONS: ReadonlySet<string> = new Set(["tasks.complete", "subtasks.update", "focus.end", "ai.suggestions.confirm"]);

interface ProgressRow extends Record<string, unknown> {
  state: ProgressState | null;
  locked: AchievementDefinition[];
}

/** What a write's events add to the user's progress. */
interface Moves {
  tasksCompleted: number;
  /** A task went from open to completed: today counts for the streak. */
  completionDay: boolean;
  focusCompleted: number;
  notesConverted: number;
}

export function movesOf(events: readonly DomainEvent[]): Moves {
  const moves: Moves = { tasksCompleted: 0, completionDay: false, focusCompleted: 0, notesConverted: 0 };
  for (const event of events) {
    if (event.type === "task.completed" && "completed" in event.changes) {
      moves.completionDay = true;
      if (event.firstCompletion) moves.tasksCompleted += 1;
    }
    if (event.type === "focus.ended" && event.status === "completed") moves.focusCompleted += 1;
    if (event.type === "note.converted") moves.notesConverted += 1;
  }
  return moves;
}

const DAY_MS = 86_400_000;

/** The UTC calendar day of an instant (streaks count UTC days). */
export function utcDay(instant: Date): string {
  return instant.toISOString().slice(0, 10);
}

function previousDay(day: string): string {
  return utcDay(new Date(Date.parse(`${day}T00:00:00Z`) - DAY_MS));
}

/** The state after the moves, as the batch's SQL computes it (`advanceSql`). */
export function advance(state: ProgressState, moves: Moves, today: string): ProgressState {
  const last = state.last_completion_date;
  const streak = !moves.completionDay
    ? state.current_streak
    : last !== null && last >= today
      ? state.current_streak
      : last === previousDay(today)
        ? state.current_streak + 1
        : 1;
  return {
    lifetime_tasks_completed: state.lifetime_tasks_completed + moves.tasksCompleted,
    current_streak: streak,
    longest_streak: Math.max(state.longest_streak, streak),
    last_completion_date: moves.completionDay && (last === null || last < today) ? today : last,
    focus_completions: state.focus_completions + moves.focusCompleted,
    notes_converted: state.notes_converted + moves.notesConverted,
  };
}

function progressStatement(unit: WriteUnit, userId: string) {
  return unit.ctx.db.execute<ProgressRow>(sql`
    select to_jsonb(s) - 'user_id' - 'updated_at' as state,
      coalesce((select jsonb_agg(${definitionJsonSql("d")} order by d.sort_order, d.id) from achievement_definitions d
        where not exists (select 1 from user_achievements a where a.user_id = ${userId} and a.achievement_id = d.id)), '[]'::jsonb) as locked
    from (select 1) as one left join user_achievement_states s on s.user_id = ${userId}`);
}

/** An unlock's in-app notification, decided in the Worker so the batch stores exactly what the stream sends. */
interface UnlockNotification {
  achievement_id: string;
  id: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  notification: Notification;
}

function unlockNotification(definition: AchievementDefinition, stamp: string): UnlockNotification {
  const id = crypto.randomUUID();
  const title = `Achievement unlocked: ${definition.name}`;
  const data = { achievement_id: definition.id, perk: { type: definition.perk_type, value: definition.perk_value } };
  const notification = presentNotification({ id, type: "achievement", title, body: definition.description, data, read_at: null, created_at: stamp });
  return { achievement_id: definition.id, id, title, body: definition.description, data, notification };
}

/**
 * ONE statement: the counters (created at the first progress), the claimed unlocks, their notifications,
 * and the guard that the claims are exactly the unlocks the committed counters call for.
 */
function progressWriteStatement(unit: WriteUnit, userId: string, moves: Moves, today: string, claims: readonly AchievementDefinition[], stamp: string, notes: readonly UnlockNotification[]) {
  const day = moves.completionDay;
  const claimIds = JSON.stringify(claims.map((definition) => definition.id));
  const streak = day
    ? sql`case when s.last_completion_date >= ${today}::date then s.current_streak
               when s.last_completion_date = ${today}::date - 1 then s.current_streak + 1 else 1 end`
    : sql`s.current_streak`;
  return unit.ctx.db.execute(sql`
    with moved as (
      insert into user_achievement_states as s (user_id, lifetime_tasks_completed, current_streak, longest_streak,
        last_completion_date, focus_completions, notes_converted, updated_at)
      values (${userId}, ${moves.tasksCompleted}, ${day ? 1 : 0}, ${day ? 1 : 0}, ${day ? today : null}::date,
        ${moves.focusCompleted}, ${moves.notesConverted}, ${stamp}::timestamptz)
      on conflict (user_id) do update set
        lifetime_tasks_completed = s.lifetime_tasks_completed + ${moves.tasksCompleted},
        current_streak = ${streak},
        longest_streak = greatest(s.longest_streak, ${streak}),
        last_completion_date = ${day ? sql`greatest(s.last_completion_date, ${today}::date)` : sql`s.last_completion_date`},
        focus_completions = s.focus_completions + ${moves.focusCompleted},
        notes_converted = s.notes_converted + ${moves.notesConverted},
        updated_at = ${stamp}::timestamptz
      returning s.*
    ),
    claimed as (
      insert into user_achievements (user_id, achievement_id, unlocked_at)
      select ${userId}, c.id, ${stamp}::timestamptz from jsonb_array_elements_text(${claimIds}::jsonb) as c(id)
      -- reading "moved" makes the counters row (and its lock) come first: every writer of this user then
      -- takes the locks in the same order (task row, counters row, unlocks) and waits instead of deadlocking
      where exists (select 1 from moved)
      on conflict do nothing
      returning achievement_id
    ),
    notified as (
      -- the notifications exactly as the Worker presented them (ids chosen there), for the claims that landed
      insert into notifications (id, user_id, type, title, body, data, created_at)
      select (n.value->>'id')::uuid, ${userId}, 'achievement', n.value->>'title', n.value->>'body', n.value->'data', ${stamp}::timestamptz
      from claimed c join jsonb_array_elements(${JSON.stringify(notes.map(({ notification: _presented, ...row }) => row))}::jsonb) as n(value) on n.value->>'achievement_id' = c.achievement_id
      returning 1
    )
    select ${guard(
      "STATE_MOVED",
      sql`(select count(*) from claimed) = ${claims.length} and (select count(*) from notified) = ${claims.length}
        and not exists (
          select 1 from moved m cross join achievement_definitions d
          where ${metricValueSql("m", "d")} >= d.threshold
            and not (d.id in (select jsonb_array_elements_text(${claimIds}::jsonb)))
            and not exists (select 1 from user_achievements a where a.user_id = ${userId} and a.achievement_id = d.id))`,
    )}`);
}

export const achievementsHandler: EventHandler = {
  name: "achievements",
  open(unit) {
    const userId = unit.userId;
    if (userId === undefined || !PROGRESS_OPERATIONS.has(unit.operation)) return undefined;
    const progress = unit.read(progressStatement(unit, userId));
    return (events) => {
      const moves = movesOf(events);
      if (!moves.completionDay && moves.tasksCompleted + moves.focusCompleted + moves.notesConverted === 0) return;
      const row = progress.result.rows[0];
      const today = utcDay(unit.ctx.clock.now());
      const next = advance(row?.state ?? EMPTY_STATE, moves, today);
      // Also a definition already reached but never unlocked (added to the catalogue later): it unlocks now.
      const claims = (row?.locked ?? []).filter((definition) => metricValue(next, definition.metric) >= definition.threshold);
      const stamp = unit.ctx.clock.now().toISOString();
      const notes = claims.map((definition) => unlockNotification(definition, stamp));
      unit.write(progressWriteStatement(unit, userId, moves, today, claims, stamp, notes));
      if (claims.length === 0) return;
      const unlocked = claims.map(presentUnlocked);
      unit.fields.unlocked_achievements = [...(unit.fields.unlocked_achievements ?? []), ...unlocked];
      for (const achievement of unlocked) unit.emit({ type: "achievement.unlocked", achievement });
      for (const note of notes) unit.emit({ type: "notification.created", notification: note.notification });
    };
  },
};
