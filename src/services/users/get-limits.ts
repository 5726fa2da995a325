import { sql } from "drizzle-orm";
import { Unauthorized } from "../../errors/api-error";
import type { UserTier } from "../../db/schema/identity";
import type { ServiceContext } from "../context";
import { requireUserId } from "./get-me";
import { effectiveLimits, tierDefaults, type Limits, type Perks } from "./limits";

export interface LimitsView {
  tier: UserTier;
  /** What applies now: defaults + perks. */
  limits: Limits;
  /** The tier's defaults alone. */
  defaults: Limits;
  /** Sum of the perks of every unlocked achievement, per perk type (SPEC §9). */
  perks: Perks;
  usage: {
    /** Tasks counting against `max_tasks`: not completed and not archived. */
    active_tasks: number;
    /** AI credits left in lots that have not expired (SPEC §8). */
    credits_balance: number;
  };
}

// A type alias (not an interface) so it satisfies drizzle's Record<string, unknown> row constraint.
type Row = {
  tier: UserTier;
  perk_max_tasks: string | number;
  perk_max_subtasks: string | number;
  perk_max_notes: string | number;
  perk_daily_ai_credits: string | number;
  active_tasks: string | number;
  credits_balance: string | number;
};

/**
 * `GET /users/me/limits` (SPEC §2, §9) in one round trip: the tier (read from the row, not the token, so
 * an upgrade shows at once), the perk sums of unlocked achievements, and current usage.
 */
export async function getLimits({ ctx }: { ctx: ServiceContext }): Promise<LimitsView> {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now().toISOString();
  const result = await ctx.db.execute<Row>(sql`
    select u.tier,
      coalesce(p.max_tasks, 0) as perk_max_tasks,
      coalesce(p.max_subtasks, 0) as perk_max_subtasks,
      coalesce(p.max_notes, 0) as perk_max_notes,
      coalesce(p.daily_ai_credits, 0) as perk_daily_ai_credits,
      (select count(*) from task_instances t where t.user_id = u.id and not t.completed and not t.archived) as active_tasks,
      (select coalesce(sum(l.remaining), 0) from credit_lots l
        where l.user_id = u.id and l.remaining > 0 and l.expired_at is null
          and (l.expires_at is null or l.expires_at > ${now}::timestamptz)) as credits_balance
    from users u
    left join lateral (
      select
        sum(d.perk_value) filter (where d.perk_type = 'max_tasks') as max_tasks,
        sum(d.perk_value) filter (where d.perk_type = 'max_subtasks') as max_subtasks,
        sum(d.perk_value) filter (where d.perk_type = 'max_notes') as max_notes,
        sum(d.perk_value) filter (where d.perk_type = 'daily_ai_credits') as daily_ai_credits
      from user_achievements a join achievement_definitions d on d.id = a.achievement_id
      where a.user_id = u.id
    ) p on true
    where u.id = ${userId}`);
  const row = result.rows[0];
  if (row === undefined) throw new Unauthorized("This account no longer exists.");
  const perks: Perks = {
    max_tasks: Number(row.perk_max_tasks),
    max_subtasks: Number(row.perk_max_subtasks),
    max_notes: Number(row.perk_max_notes),
    daily_ai_credits: Number(row.perk_daily_ai_credits),
  };
  return {
    tier: row.tier,
    limits: effectiveLimits(ctx.config, row.tier, perks),
    defaults: tierDefaults(ctx.config, row.tier),
    perks,
    usage: { active_tasks: Number(row.active_tasks), credits_balance: Number(row.credits_balance) },
  };
}
