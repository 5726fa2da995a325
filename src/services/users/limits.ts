import type { Config } from "../../env";
import type { PerkType } from "../../db/schema/achievements";
import type { UserTier } from "../../db/schema/identity";

/**
 * Effective limits = tier defaults + the sum of unlocked achievement perks (docs/conventions.md#tiers, docs/achievements-and-streaks.md). `null` means
 * unlimited and stays unlimited whatever perks add ("Pro unlimited stays unlimited"). Pure functions, so
 * the services that enforce limits (tasks, subtasks, credits) compute exactly what `/users/me/limits` shows.
 */
export interface Limits {
  /** Active (not completed, not archived) tasks; docs/tasks.md. */
  max_tasks: number | null;
  /** Subtasks per task; docs/tasks.md. */
  max_subtasks: number;
  /** Task description length in characters; docs/tasks.md. */
  max_description_length: number;
  /** How far ahead a due date may be, in days; docs/tasks.md. */
  max_due_date_days: number | null;
  /** AI credits granted every day; docs/credits.md. */
  daily_ai_credits: number;
}

export type Perks = Record<PerkType, number>;

export const NO_PERKS: Perks = { max_tasks: 0, max_subtasks: 0, max_notes: 0, daily_ai_credits: 0 };

type LimitConfig = Pick<
  Config,
  | "FREE_MAX_TASKS"
  | "FREE_MAX_SUBTASKS"
  | "PRO_MAX_SUBTASKS"
  | "FREE_DESCRIPTION_MAX"
  | "PRO_DESCRIPTION_MAX"
  | "FREE_DUE_DATE_MAX_DAYS"
  | "PRO_DAILY_CREDITS"
>;

export function tierDefaults(config: LimitConfig, tier: UserTier): Limits {
  return tier === "pro"
    ? {
        max_tasks: null,
        max_subtasks: config.PRO_MAX_SUBTASKS,
        max_description_length: config.PRO_DESCRIPTION_MAX,
        max_due_date_days: null,
        daily_ai_credits: config.PRO_DAILY_CREDITS,
      }
    : {
        max_tasks: config.FREE_MAX_TASKS,
        max_subtasks: config.FREE_MAX_SUBTASKS,
        max_description_length: config.FREE_DESCRIPTION_MAX,
        max_due_date_days: config.FREE_DUE_DATE_MAX_DAYS,
        daily_ai_credits: 0,
      };
}

export function effectiveLimits(config: LimitConfig, tier: UserTier, perks: Perks): Limits {
  const defaults = tierDefaults(config, tier);
  const plus = (base: number | null, extra: number) => (base === null ? null : base + extra);
  return {
    ...defaults,
    max_tasks: plus(defaults.max_tasks, perks.max_tasks),
    max_subtasks: defaults.max_subtasks + perks.max_subtasks,
    daily_ai_credits: defaults.daily_ai_credits + perks.daily_ai_credits,
  };
}
