import { sql } from "drizzle-orm";
import type { UserTier } from "../../db/schema/identity";
import { Unauthorized } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { effectiveLimits, type Limits, type Perks } from "../users/limits";
import { activeTaskCountSql } from "./active-count";

/**
 * Effective limits for the write services (docs/conventions.md#tiers, docs/tasks.md, docs/achievements-and-streaks.md): tier defaults + the perks of unlocked
 * achievements, computed by the same pure function as `GET /users/me/limits` (services/users/limits.ts), so
 * what the user is shown is what is enforced. The tier is read from the users row in the write's own read
 * round trip (docs/billing.md "the server re-reads tier"), never taken from the access token.
 */
export interface UserLimits {
  tier: UserTier;
  limits: Limits;
  /** Not completed and not archived tasks (what `max_tasks` counts). */
  activeTasks: number;
}

export interface LimitsRow extends Record<string, unknown> {
  tier: UserTier;
  perk_max_tasks: string | number;
  perk_max_subtasks: string | number;
  perk_max_notes: string | number;
  perk_daily_ai_credits: string | number;
  active_tasks: string | number;
}

/**
 * The columns of LimitsRow for `users u` joined with `limitsPerksJoin` – shared by limitsStatement and
 * `GET /users/me/limits`, so what is shown and what is enforced come from one query.
 */
export const limitsColumns = sql`
  u.tier,
  coalesce(p.max_tasks, 0) as perk_max_tasks,
  coalesce(p.max_subtasks, 0) as perk_max_subtasks,
  coalesce(p.max_notes, 0) as perk_max_notes,
  coalesce(p.daily_ai_credits, 0) as perk_daily_ai_credits,
  ${activeTaskCountSql(sql`u.id`)} as active_tasks`;

/** Sums the perks of the user's unlocked achievements per perk type (docs/achievements-and-streaks.md) as `p`. */
export const limitsPerksJoin = sql`
  left join lateral (
    select sum(d.perk_value) filter (where d.perk_type = 'max_tasks') as max_tasks,
           sum(d.perk_value) filter (where d.perk_type = 'max_subtasks') as max_subtasks,
           sum(d.perk_value) filter (where d.perk_type = 'max_notes') as max_notes,
           sum(d.perk_value) filter (where d.perk_type = 'daily_ai_credits') as daily_ai_credits
    from user_achievements a join achievement_definitions d on d.id = a.achievement_id
    where a.user_id = u.id
  ) p on true`;

/** One statement (to ride in a read batch): tier, perk sums and the active-task count of the user. */
export function limitsStatement(ctx: ServiceContext, userId: string) {
  return ctx.db.execute<LimitsRow>(sql`select ${limitsColumns} from users u ${limitsPerksJoin} where u.id = ${userId}`);
}

export function perksOf(row: LimitsRow): Perks {
  return {
    max_tasks: Number(row.perk_max_tasks),
    max_subtasks: Number(row.perk_max_subtasks),
    max_notes: Number(row.perk_max_notes),
    daily_ai_credits: Number(row.perk_daily_ai_credits),
  };
}

/** Interprets limitsStatement's row; a token whose user no longer exists is 401. */
export function toUserLimits(ctx: ServiceContext, row: LimitsRow | undefined): UserLimits {
  if (row === undefined) throw new Unauthorized("This account no longer exists.");
  return { tier: row.tier, limits: effectiveLimits(ctx.config, row.tier, perksOf(row)), activeTasks: Number(row.active_tasks) };
}

/** Reads the limits alone (one round trip) – for callers outside a write. */
export async function readUserLimits(ctx: ServiceContext, userId: string): Promise<UserLimits> {
  const result = await limitsStatement(ctx, userId);
  return toUserLimits(ctx, result.rows[0]);
}
