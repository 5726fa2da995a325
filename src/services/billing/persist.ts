import { sql, type SQL } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { guard } from "../guards";
import type { Statement } from "../unit-of-work";
import { iso } from "../tasks/present";
import type { AppliedEvent } from "./derive";
import type { SubscriptionChange } from "./notify";
import { fingerprintSql, PAYING_STATUSES, type SubscriptionState } from "./state";

/**
 * Reading the inputs of a derived subscription and writing it back (./derive.ts, docs/billing.md
 * #order-independence) – shared by the webhook and the cancel.
 */
interface AppliedEventRow extends Record<string, unknown> {
  event_id: string;
  type: string;
  created_on: string;
  payment_id: string | null;
}

/**
 * The user's applied Pro payment events, for round trip 1: the `webhook_events` rows carrying the user (only
 * applied events do) whose payment belongs to one of the user's Pro sessions. `userId` may be a subquery.
 */
export function appliedEventsStatement(ctx: ServiceContext, userId: string | SQL) {
  return ctx.db.execute<AppliedEventRow>(sql`
    select w.event_id, w.type, w.created_on::text as created_on, w.payload #>> '{data,id}' as payment_id
    from webhook_events w
    where w.provider = 'checkout' and w.user_id = ${userId}
      and w.type in ('payment_captured', 'payment_approved', 'payment_declined')
      and exists (select 1 from checkout_sessions s where s.user_id = w.user_id and s.product = 'pro'
        and (s.reference = w.payload #>> '{data,reference}' or s.provider_session_id = w.payload #>> '{data,hosted_payment_id}'))`);
}

export function appliedEventOf(row: AppliedEventRow): AppliedEvent {
  return {
    eventId: row.event_id,
    outcome: row.type === "payment_declined" ? "declined" : "paid",
    paymentId: row.payment_id ?? row.event_id,
    createdOn: new Date(iso(row.created_on)),
  };
}

/**
 * The instant a write settles the subscription as of: its clock, or the last instant the row was written if
 * later (`updated_at`; every billing writer – checkout, webhook, cancel, daily check – moves it forward only;
 * the check stamps every row written in the last 90 days with its T, also rows it does not move).
 */
export function settleInstant(now: Date, row: { updated_at: string | null }): Date {
  if (row.updated_at === null) return now;
  const written = new Date(iso(row.updated_at));
  return written.getTime() > now.getTime() ? written : now;
}

/**
 * The derived state written for `userId`, only `when` holds: a guard that the subscription row is the one
 * read (else the write re-runs on fresh reads), the row itself, and the tier (Pro while paying).
 */
export function persistDerived(
  ctx: ServiceContext,
  input: { userId: string; fingerprint: string | null; state: SubscriptionState; cancelledAt: Date | null; asOf: Date; mine: SQL },
): Statement[] {
  const { userId, state: next, mine } = input;
  const at = (value: Date | null) => (value === null ? null : value.toISOString());
  const tier = PAYING_STATUSES.includes(next.status) ? "pro" : "free";
  const stamp = input.asOf.toISOString();
  return [
    sql`select ${guard("STATE_MOVED", sql`not ${mine} or ${fingerprintSql(userId)} is not distinct from ${input.fingerprint}`)}`,
    sql`
      insert into subscriptions (user_id, status, current_period_start, current_period_end, grace_period_end, cancel_at_period_end,
        cancelled_at, failed_payment_count, checkout_last_payment_id, last_event_created_on, updated_at)
      select ${userId}, ${next.status}, ${at(next.currentPeriodStart)}::timestamptz, ${at(next.currentPeriodEnd)}::timestamptz,
        ${at(next.gracePeriodEnd)}::timestamptz, ${next.cancelAtPeriodEnd}, ${at(input.cancelledAt)}::timestamptz, ${next.failedPaymentCount},
        ${next.lastPaymentId}, ${at(next.lastEventCreatedOn)}::timestamptz, ${stamp}::timestamptz
      where ${mine}
      on conflict (user_id) do update set status = excluded.status, current_period_start = excluded.current_period_start,
        current_period_end = excluded.current_period_end, grace_period_end = excluded.grace_period_end,
        cancel_at_period_end = excluded.cancel_at_period_end, cancelled_at = excluded.cancelled_at,
        failed_payment_count = excluded.failed_payment_count, checkout_last_payment_id = excluded.checkout_last_payment_id,
        last_event_created_on = excluded.last_event_created_on, updated_at = greatest(subscriptions.updated_at, excluded.updated_at)`,
    sql`update users set tier = ${tier}, updated_at = ${ctx.clock.now().toISOString()}::timestamptz where id = ${userId} and tier <> ${tier} and ${mine}`,
  ].map((statement) => ctx.db.execute(statement));
}

/** The change a re-derivation made by settling time (a late delivery after the period ended), if any. */
export function settledChange(before: SubscriptionState, after: SubscriptionState): SubscriptionChange | null {
  if (before.status === after.status) return null;
  if (after.status === "cancelled") return "cancelled";
  if (after.status === "expired") return "expired";
  if (after.status === "grace" && after.failedPaymentCount < 3) return "period_ended";
  return null;
}
