import type { Task } from "./tasks/present";

/** An achievement unlocked by a write (docs/achievements-and-streaks.md). */
export interface UnlockedAchievement {
  id: string;
  name: string;
  description: string;
  perk: { type: string; value: number };
}

/**
 * Response fields that event handlers contribute to a write's answer (services/events/handlers.ts): a
 * handler sets them on `unit.fields`; the write's `finish` folds the ones its response has into its value.
 */
export interface ResponseFields {
  unlocked_achievements?: UnlockedAchievement[];
  next_instance?: Task | null;
}
