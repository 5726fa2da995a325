import { sql } from "drizzle-orm";
import type { AchievementMetric, PerkType } from "../../db/schema/achievements";
import type { ServiceContext } from "../context";
import { iso } from "../tasks/present";
import { requireUserId } from "../users/get-me";
import { definitionJsonSql, EMPTY_STATE, metricValue, type AchievementDefinition, type ProgressState } from "./catalogue";
import { utcDay } from "./progress";

const DAY_MS = 86_400_000;

/** `GET /achievements` entry (docs/achievements-and-streaks.md). */
export interface AchievementView {
  id: string;
  name: string;
  description: string;
  metric: AchievementMetric;
  threshold: number;
  /** The metric's current value, capped at the threshold (an unlocked achievement shows its threshold). */
  progress: number;
  unlocked: boolean;
  unlocked_at: string | null;
  perk: { type: PerkType; value: number };
}

/** `GET /users/me/stats` (docs/achievements-and-streaks.md). */
export interface UserStats {
  tasks_completed: number;
  current_streak: number;
  longest_streak: number;
  last_completion_day: string | null;
  focus_sessions_completed: number;
  focus_seconds_total: number;
  notes_converted: number;
  achievements_unlocked: number;
}

/**
 * The state as of now: a streak whose last completion day is before yesterday (UTC) is broken, even before
 * the daily job has reset it, so what the user sees never depends on when that job ran.
 */
export function currentState(state: ProgressState | null, now: Date): ProgressState {
  const base = state ?? EMPTY_STATE;
  const yesterday = utcDay(new Date(now.getTime() - DAY_MS));
  const alive = base.last_completion_date !== null && base.last_completion_date >= yesterday;
  return alive ? base : { ...base, current_streak: 0 };
}

const stateSql = (userId: string) =>
  sql`(select to_jsonb(s) - 'user_id' - 'updated_at' from user_achievement_states s where s.user_id = ${userId})`;

/** `GET /achievements`: the catalogue in its order, with the user's progress and unlocks. One round trip. */
export async function listAchievements({ ctx }: { ctx: ServiceContext }): Promise<AchievementView[]> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ state: ProgressState | null; catalogue: (AchievementDefinition & { unlocked_at: string | null })[] }>(sql`
    select ${stateSql(userId)} as state,
      coalesce((select jsonb_agg(${definitionJsonSql("d")} || jsonb_build_object('unlocked_at', a.unlocked_at) order by d.sort_order, d.id)
        from achievement_definitions d left join user_achievements a on a.achievement_id = d.id and a.user_id = ${userId}), '[]'::jsonb) as catalogue`);
  const row = result.rows[0];
  const state = currentState(row?.state ?? null, ctx.clock.now());
  return (row?.catalogue ?? []).map((definition) => {
    const unlocked = definition.unlocked_at !== null;
    return {
      id: definition.id,
      name: definition.name,
      description: definition.description,
      metric: definition.metric,
      threshold: definition.threshold,
      progress: unlocked ? definition.threshold : Math.min(metricValue(state, definition.metric), definition.threshold),
      unlocked,
      unlocked_at: iso(definition.unlocked_at),
      perk: { type: definition.perk_type, value: definition.perk_value },
    };
  });
}

/** `GET /users/me/stats`: the counters, focus time and number of unlocks. One round trip. */
export async function getStats({ ctx }: { ctx: ServiceContext }): Promise<UserStats> {
  const userId = requireUserId(ctx);
  const result = await ctx.db.execute<{ state: ProgressState | null; focus_seconds: string | number; unlocked: string | number }>(sql`
    select ${stateSql(userId)} as state,
      (select coalesce(sum(f.elapsed_seconds), 0) from focus_sessions f where f.user_id = ${userId} and f.ended_at is not null) as focus_seconds,
      (select count(*) from user_achievements a where a.user_id = ${userId}) as unlocked`);
  const row = result.rows[0];
  const state = currentState(row?.state ?? null, ctx.clock.now());
  return {
    tasks_completed: state.lifetime_tasks_completed,
    current_streak: state.current_streak,
    longest_streak: state.longest_streak,
    last_completion_day: state.last_completion_date,
    focus_sessions_completed: state.focus_completions,
    focus_seconds_total: Number(row?.focus_seconds ?? 0),
    notes_converted: state.notes_converted,
    achievements_unlocked: Number(row?.unlocked ?? 0),
  };
}
