import { sql, type SQL } from "drizzle-orm";
import type { AchievementMetric, PerkType } from "../../db/schema/achievements";
import type { UnlockedAchievement } from "../response-fields";

/** A catalogue row (`achievement_definitions`, seeded by migration 0004; rows may be added without a code change). */
export interface AchievementDefinition {
  id: string;
  name: string;
  description: string;
  metric: AchievementMetric;
  threshold: number;
  perk_type: PerkType;
  perk_value: number;
}

/** Per-user progress (`user_achievement_states`; a user without a row has all zeroes). */
export interface ProgressState {
  lifetime_tasks_completed: number;
  current_streak: number;
  longest_streak: number;
  /** UTC calendar day (YYYY-MM-DD) of the last counted completion. */
  last_completion_date: string | null;
  focus_completions: number;
  notes_converted: number;
}

export const EMPTY_STATE: ProgressState = {
  lifetime_tasks_completed: 0,
  current_streak: 0,
  longest_streak: 0,
  last_completion_date: null,
  focus_completions: 0,
  notes_converted: 0,
};

/** The value an achievement's metric is compared with: a streak achievement looks at the current streak. */
export function metricValue(state: ProgressState, metric: AchievementMetric): number {
  switch (metric) {
    case "tasks_completed":
      return state.lifetime_tasks_completed;
    case "streak":
      return state.current_streak;
    case "focus_completed":
      return state.focus_completions;
    case "notes_converted":
      return state.notes_converted;
  }
}

/** The same comparison in SQL, over a row `s` shaped like user_achievement_states and a definition `d`. */
export function metricValueSql(state: string, definition: string): SQL {
  const s = sql.raw(state);
  const d = sql.raw(definition);
  return sql`case ${d}.metric
    when 'tasks_completed' then ${s}.lifetime_tasks_completed
    when 'streak' then ${s}.current_streak
    when 'focus_completed' then ${s}.focus_completions
    when 'notes_converted' then ${s}.notes_converted end`;
}

/** A definition's JSON in SQL (`d` = achievement_definitions), as AchievementDefinition. */
export function definitionJsonSql(definition: string): SQL {
  const d = sql.raw(definition);
  return sql`jsonb_build_object('id', ${d}.id, 'name', ${d}.name, 'description', ${d}.description, 'metric', ${d}.metric,
    'threshold', ${d}.threshold, 'perk_type', ${d}.perk_type, 'perk_value', ${d}.perk_value)`;
}

/** How an unlock is presented inline in a write's answer (docs/achievements-and-streaks.md). */
export function presentUnlocked(definition: AchievementDefinition): UnlockedAchievement {
  return {
    id: definition.id,
    name: definition.name,
    description: definition.description,
    perk: { type: definition.perk_type, value: definition.perk_value },
  };
}
