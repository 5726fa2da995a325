/** An achievement unlocked by a write (docs/achievements-and-streaks.md). */
export interface UnlockedAchievement {
  id: string;
  name: string;
  description: string;
  perk: { type: string; value: number };
}

/**
 * The instance of a recurring template a completion scheduled (docs/recurring.md `next_instance`): its id is
 * known before the queue creates it (services/recurring/instance-id.ts).
 */
export interface NextInstance {
  id: string;
  occurrence_at: string;
  due_date: string;
}

/**
 * Response fields that event handlers contribute to a write's answer (services/events/handlers.ts): a
 * handler sets them on `unit.fields`; the write's `finish` folds the ones its response has into its value.
 */
export interface ResponseFields {
  unlocked_achievements?: UnlockedAchievement[];
  next_instance?: NextInstance | null;
}
