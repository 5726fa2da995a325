import { sql, type SQL } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { ledgerRequestId } from "../credits/operation";

/**
 * The carry-over rule at a renewal (SPEC §8, docs/credits.md#subscription-credits), as ONE statement for the
 * webhook's commit batch, run only `when` holds (the event row of this delivery was inserted) and after the
 * batch locked the user's row (the lock order of every credit movement: users → lots). Every subscription
 * lot still holding credits is expired in the ledger (`expire` entries, reason `subscription_renewal`); of
 * the credits that were still usable, at most `MAX_CREDIT_CARRYOVER` come back as ONE new subscription lot
 * (source `carryover`, `carryover` entry) expiring with the new period – so the rest is expired, visibly.
 * The period's own credits are granted right after by `perpetua_grant_credits` (services/credits/grant.ts).
 * balance_after follows the running total as the daily job computes it: the user's total before, minus what
 * each expiry took in seq order, plus the carried credits last (the carry entry reads the expiries' output,
 * so PostgreSQL writes it after them).
 */
export function carryOverStatement(ctx: ServiceContext, input: { userId: string; paymentId: string; periodEnd: Date; when: SQL }) {
  const now = ctx.clock.now().toISOString();
  const { userId } = input;
  const reference = `payment:${input.paymentId}`;
  return ctx.db.execute<{ carried: number; expired: number }>(sql`
    with expiring as (
      select l.id, l.remaining, (l.expires_at is null or l.expires_at > ${now}::timestamptz) as usable,
        sum(l.remaining) over (order by l.expires_at nulls last, l.created_at, l.id) as running
      from credit_lots l
      where l.user_id = ${userId} and l.kind = 'subscription' and l.expired_at is null and l.remaining > 0 and ${input.when}
    ),
    total as (select coalesce(sum(remaining), 0) as total from credit_lots where user_id = ${userId}),
    carried as (
      select least(coalesce(sum(remaining) filter (where usable), 0), ${ctx.config.MAX_CREDIT_CARRYOVER}::int)::int as amount,
        coalesce(sum(remaining), 0)::int as expiring
      from expiring
    ),
    zeroed as (update credit_lots l set remaining = 0, expired_at = ${now}::timestamptz from expiring e where l.id = e.id returning l.id),
    expired_entries as (
      insert into credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, request_id, created_at)
      select ${userId}, e.id, 'expire', -e.remaining, (t.total - e.running)::int, 'subscription_renewal', ${reference}, ${ledgerRequestId(ctx)}, ${now}::timestamptz
      from expiring e cross join total t
      order by e.running
      returning 1
    ),
    carry_lot as (
      insert into credit_lots (user_id, kind, amount, remaining, expires_at, source, reference, created_at)
      select ${userId}, 'subscription', c.amount, c.amount, ${input.periodEnd.toISOString()}::timestamptz, 'carryover', ${`carryover:${input.paymentId}`}, ${now}::timestamptz
      from carried c where c.amount > 0
      on conflict do nothing
      returning id, amount
    ),
    carry_entry as (
      insert into credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, request_id, created_at)
      select ${userId}, cl.id, 'carryover', cl.amount, (t.total - c.expiring + cl.amount)::int, 'subscription_carryover', ${reference}, ${ledgerRequestId(ctx)}, ${now}::timestamptz
      from carry_lot cl cross join total t cross join carried c cross join (select count(*) from expired_entries) x
      returning 1
    )
    select (select amount from carried) as carried, (select expiring from carried) as expired,
      (select count(*) from zeroed) as zeroed, (select count(*) from carry_entry) as carry_entries`);
}
