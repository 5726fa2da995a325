import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { changeMessage, type SubscriptionChange } from "./notify";
import { GRACE_DAYS } from "./transition";

const MOVES: readonly SubscriptionChange[] = ["cancelled", "expired", "period_ended"];
/** How late a payment event may still arrive (Checkout.com retries for days; bounded so the stamp stays small). */
const LATE_DELIVERY_DAYS = 90;

/**
 * Daily `subscription_check` (docs/billing.md#daily-subscription-check), as of the run's clock – the trigger's
 * scheduled time T – set-based in ONE batch whatever the number of users, idempotent per run date:
 * 1. the rows of the users it will move are locked in id order, then every subscription row it writes, in
 *    user order (users → subscriptions, the webhook's order; concurrent runs never deadlock);
 * 2. one statement claims (subscription_check, run date) in `job_runs` and, only if it claimed:
 *    - a paying subscription cancelled at period end whose period ended by T → `cancelled`, tier free;
 *    - an `active`/`past_due` one whose period ended by T without a renewal payment → `grace` for 7 days from
 *      the period's end (the user keeps Pro while the payment is retried);
 *    - a grace over by T → `expired`, tier free;
 *    and writes one `subscription` notification per change. Data is never deleted: a downgraded user keeps
 *    everything, only new items beyond the free limits are refused (limits read users.tier).
 * A repeated or late trigger for the same date does nothing twice; a failed run records nothing. The moves are
 * exactly `settle` of ./derive.ts, and `updated_at` becomes T (never earlier than it was): a webhook or cancel
 * processed after this run re-derives the subscription as of T at least, so it cannot undo the run
 * (docs/billing.md#order-independence).
 */
export async function runSubscriptionCheck({ ctx, input }: { ctx: ServiceContext; input: { runDate: string } }): Promise<Record<string, unknown>> {
  const { runDate } = input;
  const now = ctx.clock.now().toISOString();
  const due = sql`(s.status in ('active', 'past_due', 'grace') and s.cancel_at_period_end and s.current_period_end <= ${now}::timestamptz)
    or (s.status in ('active', 'past_due') and s.current_period_end <= ${now}::timestamptz)
    or (s.status = 'grace' and s.grace_period_end <= ${now}::timestamptz)`;
  const messages = JSON.stringify(Object.fromEntries(MOVES.map((change) => [change, changeMessage(change)])));
  const stampable = sql`(s.updated_at < ${now}::timestamptz and s.updated_at >= ${now}::timestamptz - make_interval(days => ${LATE_DELIVERY_DAYS}))`;
  const [, , result] = await ctx.db.batch([
    ctx.db.execute(sql`select 1 from users u where u.id in (select s.user_id from subscriptions s where ${due}) order by u.id for no key update`),
    // Then every subscription row the run writes, in user order too: two runs for different dates (a replayed
    // trigger next to today's) stamp overlapping sets, and unordered row locks would deadlock them.
    ctx.db.execute(sql`select 1 from subscriptions s where (${due}) or ${stampable} order by s.user_id for no key update`),
    ctx.db.execute<{ claimed: boolean; cancelled: string; expired: string; grace: string; downgraded: string; notified: string }>(sql`
      with claim as (
        insert into job_runs (job, run_date, started_at, finished_at, outcome)
        values ('subscription_check', ${runDate}::date, ${now}::timestamptz, clock_timestamp(), 'success')
        on conflict (job, run_date) do nothing
        returning id
      ),
      decided as (
        select s.user_id,
          case when s.cancel_at_period_end then 'cancelled' when s.status = 'grace' then 'expired' else 'period_ended' end as change
        from subscriptions s
        where (${due}) and exists (select 1 from claim)
      ),
      moved as (
        update subscriptions s set
          status = case d.change when 'cancelled' then 'cancelled' when 'expired' then 'expired' else 'grace' end,
          grace_period_end = case d.change when 'period_ended' then s.current_period_end + make_interval(days => ${GRACE_DAYS}) else s.grace_period_end end,
          updated_at = greatest(s.updated_at, ${now}::timestamptz)
        from decided d where s.user_id = d.user_id
        returning s.user_id, d.change, s.status
      ),
      downgraded as (
        update users u set tier = 'free', updated_at = ${now}::timestamptz
        from moved m where u.id = m.user_id and m.change in ('cancelled', 'expired') and u.tier <> 'free'
        returning u.id
      ),
      stamped as (
        -- Every row written in the last LATE_DELIVERY_DAYS is stamped "settled as of T": a payment event or a
        -- cancel processed later re-derives it as of T at least (docs/billing.md#order-independence).
        update subscriptions s set updated_at = ${now}::timestamptz
        where exists (select 1 from claim) and ${stampable}
          and not exists (select 1 from decided d where d.user_id = s.user_id)
        returning 1
      ),
      notified as (
        insert into notifications (id, user_id, type, title, body, data, created_at)
        select gen_random_uuid(), m.user_id, 'subscription', (${messages}::jsonb -> m.change ->> 'title'), (${messages}::jsonb -> m.change ->> 'body'),
          jsonb_build_object('change', m.change, 'status', m.status), ${now}::timestamptz
        from moved m
        returning 1
      )
      select exists (select 1 from claim) as claimed,
        (select count(*) from moved where change = 'cancelled')::text as cancelled,
        (select count(*) from moved where change = 'expired')::text as expired,
        (select count(*) from moved where change = 'period_ended')::text as grace,
        (select count(*) from downgraded)::text as downgraded,
        (select count(*) from notified)::text as notified, (select count(*) from stamped)::text as stamped`),
  ]);
  const row = result.rows[0];
  return {
    run_date: runDate,
    claimed: row?.claimed ?? false,
    cancelled: Number(row?.cancelled ?? 0),
    expired: Number(row?.expired ?? 0),
    entered_grace: Number(row?.grace ?? 0),
    downgraded: Number(row?.downgraded ?? 0),
    notified: Number(row?.notified ?? 0),
  };
}
