import { sql, type SQL } from "drizzle-orm";
import type { SubscriptionStatus } from "../../db/schema/billing";
import type { UserTier } from "../../db/schema/identity";
import type { ServiceContext } from "../context";
import { iso } from "../tasks/present";

/** `GET /subscription` (SPEC §10, docs/billing.md#subscription-state). */
export interface SubscriptionView {
  tier: UserTier;
  status: SubscriptionStatus;
  current_period_end: string | null;
  grace_period_end: string | null;
  cancel_at_period_end: boolean;
}

/** The user's subscription as the billing services decide on it (a missing row reads as status `none`). */
export interface SubscriptionState {
  status: SubscriptionStatus;
  currentPeriodStart: Date | null;
  currentPeriodEnd: Date | null;
  gracePeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  failedPaymentCount: number;
  lastPaymentId: string | null;
  lastEventCreatedOn: Date | null;
}

export const NO_SUBSCRIPTION: SubscriptionState = {
  status: "none",
  currentPeriodStart: null,
  currentPeriodEnd: null,
  gracePeriodEnd: null,
  cancelAtPeriodEnd: false,
  failedPaymentCount: 0,
  lastPaymentId: null,
  lastEventCreatedOn: null,
};

/** Statuses in which the user pays for (and has) Pro: a checkout for Pro is refused, a cancel applies. */
export const PAYING_STATUSES: readonly SubscriptionStatus[] = ["active", "past_due", "grace"];

export interface SubscriptionRow extends Record<string, unknown> {
  tier: UserTier;
  status: SubscriptionStatus | null;
  current_period_start: string | null;
  current_period_end: string | null;
  grace_period_end: string | null;
  cancel_at_period_end: boolean | null;
  failed_payment_count: number | null;
  checkout_last_payment_id: string | null;
  last_event_created_on: string | null;
  /** md5 of the whole subscriptions row (null without one): what write guards compare (services/billing/write.ts). */
  fingerprint: string | null;
}

/** The user's tier and subscription row in ONE statement (to ride in a read round trip). No row: unknown user. */
export function subscriptionStatement(ctx: ServiceContext, userId: string) {
  return ctx.db.execute<SubscriptionRow>(sql`
    select u.tier, s.status, s.current_period_start::text, s.current_period_end::text, s.grace_period_end::text,
      s.cancel_at_period_end, s.failed_payment_count, s.checkout_last_payment_id, s.last_event_created_on::text,
      ${fingerprintSql(userId)} as fingerprint
    from users u left join subscriptions s on s.user_id = u.id
    where u.id = ${userId}`);
}

/** The subscriptions row of a user as one md5 (null without a row), compared by guards after the row lock. */
export function fingerprintSql(userId: string | SQL) {
  return sql`(select md5(to_jsonb(f)::text) from subscriptions f where f.user_id = ${userId})`;
}

const date = (value: string | null): Date | null => (value === null ? null : new Date(iso(value)));

export function stateOf(row: SubscriptionRow): SubscriptionState {
  if (row.status === null) return NO_SUBSCRIPTION;
  return {
    status: row.status,
    currentPeriodStart: date(row.current_period_start),
    currentPeriodEnd: date(row.current_period_end),
    gracePeriodEnd: date(row.grace_period_end),
    cancelAtPeriodEnd: row.cancel_at_period_end ?? false,
    failedPaymentCount: Number(row.failed_payment_count ?? 0),
    lastPaymentId: row.checkout_last_payment_id,
    lastEventCreatedOn: date(row.last_event_created_on),
  };
}

export function presentSubscription(tier: UserTier, state: SubscriptionState): SubscriptionView {
  return {
    tier,
    status: state.status,
    current_period_end: state.currentPeriodEnd?.toISOString() ?? null,
    grace_period_end: state.gracePeriodEnd?.toISOString() ?? null,
    cancel_at_period_end: state.cancelAtPeriodEnd,
  };
}
