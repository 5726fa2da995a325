import { sql } from "drizzle-orm";
import { Unauthorized } from "../../errors/api-error";
import type { UserTier } from "../../db/schema/identity";
import type { ServiceContext } from "../context";
import { requireUserId } from "./get-me";
import { limitsColumns, limitsPerksJoin, perksOf, type LimitsRow } from "../limits/read-limits";
import { effectiveLimits, tierDefaults, type Limits, type Perks } from "./limits";

export interface LimitsView {
  tier: UserTier;
  /** What applies now: defaults + perks. */
  limits: Limits;
  /** The tier's defaults alone. */
  defaults: Limits;
  /** Sum of the perks of every unlocked achievement, per perk type (docs/achievements-and-streaks.md). */
  perks: Perks;
  usage: {
    /** Tasks counting against `max_tasks`: not completed and not archived. */
    active_tasks: number;
    /** AI credits left in lots that have not expired (docs/credits.md). */
    credits_balance: number;
  };
}

type Row = LimitsRow & { credits_balance: string | number };

/**
 * `GET /users/me/limits` (docs/identity.md, docs/achievements-and-streaks.md) in one round trip: the tier (read from the row, not the token, so
 * an upgrade shows at once), the perk sums of unlocked achievements, and current usage – the same columns
 * the write services enforce (services/limits/read-limits.ts).
 */
export async function getLimits({ ctx }: { ctx: ServiceContext }): Promise<LimitsView> {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now().toISOString();
  const result = await ctx.db.execute<Row>(sql`
    select ${limitsColumns},
      (select coalesce(sum(l.remaining), 0) from credit_lots l
        where l.user_id = u.id and l.remaining > 0 and l.expired_at is null
          and (l.expires_at is null or l.expires_at > ${now}::timestamptz)) as credits_balance
    from users u ${limitsPerksJoin}
    where u.id = ${userId}`);
  const row = result.rows[0];
  if (row === undefined) throw new Unauthorized("This account no longer exists.");
  const perks = perksOf(row);
  return {
    tier: row.tier,
    limits: effectiveLimits(ctx.config, row.tier, perks),
    defaults: tierDefaults(ctx.config, row.tier),
    perks,
    usage: { active_tasks: Number(row.active_tasks), credits_balance: Number(row.credits_balance) },
  };
}
