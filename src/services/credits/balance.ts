import { sql } from "drizzle-orm";
import type { CreditLotKind } from "../../db/schema/credits";
import type { ServiceContext } from "../context";
import { iso } from "../tasks/present";
import { requireUserId } from "../users/get-me";

export interface CreditBalance {
  /** Usable credits: lots with credits left that have not expired. */
  total: number;
  by_kind: Record<CreditLotKind, number>;
  /** The soonest instant usable credits expire, and how many do then; null when none ever expire. */
  next_expiry: { at: string; amount: number } | null;
}

interface Row extends Record<string, unknown> {
  daily: string | number;
  subscription: string | number;
  purchased: string | number;
  kickstart: string | number;
  next_at: string | null;
  next_amount: string | number | null;
}

/**
 * `GET /credits` (docs/credits.md) in one round trip. Usable = what a consumption may take now: remaining > 0,
 * not swept (`expired_at`) and not past `expires_at` – a lot past its expiry is not usable even before the
 * daily job sweeps it, which is why `total` may be below the ledger's last `balance_after` just after midnight.
 */
export async function getCreditBalance({ ctx }: { ctx: ServiceContext }): Promise<CreditBalance> {
  const userId = requireUserId(ctx);
  const now = ctx.clock.now().toISOString();
  const result = await ctx.db.execute<Row>(sql`
    with usable as (
      select kind, remaining, expires_at from credit_lots
      where user_id = ${userId} and remaining > 0 and expired_at is null
        and (expires_at is null or expires_at > ${now}::timestamptz)
    ),
    soonest as (select min(expires_at) as at from usable)
    select
      coalesce(sum(remaining) filter (where kind = 'daily'), 0) as daily,
      coalesce(sum(remaining) filter (where kind = 'subscription'), 0) as subscription,
      coalesce(sum(remaining) filter (where kind = 'purchased'), 0) as purchased,
      coalesce(sum(remaining) filter (where kind = 'kickstart'), 0) as kickstart,
      (select at from soonest)::text as next_at,
      sum(remaining) filter (where expires_at = (select at from soonest)) as next_amount
    from usable`);
  const row = result.rows[0];
  const by_kind: Record<CreditLotKind, number> = {
    daily: Number(row?.daily ?? 0),
    subscription: Number(row?.subscription ?? 0),
    purchased: Number(row?.purchased ?? 0),
    kickstart: Number(row?.kickstart ?? 0),
  };
  const next = row?.next_at ?? null;
  return {
    total: by_kind.daily + by_kind.subscription + by_kind.purchased + by_kind.kickstart,
    by_kind,
    next_expiry: next === null ? null : { at: iso(next), amount: Number(row?.next_amount ?? 0) },
  };
}
