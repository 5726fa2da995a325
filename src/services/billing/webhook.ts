import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { CreditPack } from "../../env";
import type { ServiceContext } from "../context";
import { grantStatement } from "../credits/grant";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { PRO_PRODUCT } from "./checkout";
import { notificationStatementSql } from "./notify";
import { deriveSubscription, type AppliedEvent } from "./derive";
import { appliedEventOf, appliedEventsStatement, persistDerived, settledChange, settleInstant } from "./persist";
import { carryOverStatement } from "./renewal-credits";
import { fingerprintSql, stateOf, type SubscriptionRow } from "./state";
import { iso } from "../tasks/present";

/** A Checkout.com webhook event as `POST /webhooks/checkout` accepts it (unknown fields are kept and stored). */
export const checkoutEventSchema = z.looseObject({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(100),
  created_on: z.string().optional(),
  /** Older payloads carry `timestamp` instead of `created_on`. */
  timestamp: z.string().optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type CheckoutEvent = z.infer<typeof checkoutEventSchema>;

export interface WebhookOutcome {
  received: true;
}

const PAID_TYPES = new Set(["payment_captured", "payment_approved"]);
const DECLINED_TYPES = new Set(["payment_declined"]);

/** Where a payment event names its session: our `reference` (always echoed), else the hosted payment id. */
const paymentSchema = z.object({
  id: z.string().min(1).max(200),
  amount: z.number().int().optional(),
  currency: z.string().optional(),
  reference: z.string().min(1).max(50).optional(),
  hosted_payment_id: z.string().min(1).max(255).optional(),
  metadata: z.looseObject({ user_id: z.string().optional(), product: z.string().optional() }).optional(),
});
type Payment = z.infer<typeof paymentSchema>;

interface SessionRow extends SubscriptionRow {
  session_id: string;
  session_user_id: string;
  product: string;
  amount: number;
  currency: string;
  cancelled_at: string | null;
  updated_at: string | null;
}

/**
 * `POST /webhooks/checkout` after its signature was verified (docs/billing.md#webhooks). Every event is
 * stored once (`webhook_events`, unique by provider and event id) in the SAME batch as its effect, so a
 * replay – sequential or ten in parallel – has no second effect and an effect never lands without its event.
 * WHO and WHAT come from the stored checkout session (`checkout_sessions`, written by the checkout) matched by
 * the payment's `reference` (or its hosted payment id) – never from the event's metadata: metadata naming
 * another user or product than the session, an amount or currency that is not the session's, no session at
 * all, an unknown type → stored without a user, logged (`webhook event stored, not applied` with the reason)
 * and acknowledged, never applied. An applied event is stored WITH the session's user; those rows are the
 * inputs the subscription is derived from (./derive.ts: by `created_on`, whatever the arrival order):
 * - a Pro payment: the state re-derived, the tier, for a payment not applied before the carry-over rule and
 *   the period's credits (reference `subscription:<payment id>`), and a notification;
 * - a pack payment: one `purchased` lot that never expires (reference `payment:<payment id>`, unique).
 * Two round trips: the session with the user's subscription, whether the event is known, and the user's
 * applied events; then one batch: the user's row locked, the event inserted ON CONFLICT DO NOTHING, and every
 * effect conditioned on that insert having happened in this batch; a guard re-runs the write when the
 * subscription changed since it was read (another event, the cancel or the daily check committed between).
 */
export async function processCheckoutEvent({ ctx, input }: { ctx: ServiceContext; input: CheckoutEvent }): Promise<WebhookOutcome> {
  const event = input;
  const createdOn = eventTime(event) ?? ctx.clock.now();
  const log = ctx.log.with({ webhook_event_id: event.id, webhook_event_type: event.type });
  const paid = PAID_TYPES.has(event.type);
  const payment = paid || DECLINED_TYPES.has(event.type) ? paymentSchema.safeParse(event.data) : undefined;
  const data = payment?.success === true ? payment.data : undefined;
  const match = data === undefined ? undefined : sessionMatch(data);
  if (payment === undefined || data === undefined || match === undefined) {
    const reason = payment === undefined ? "unhandled_type" : "no_session_reference";
    const inserted = await ctx.db.execute(storeEventSql(ctx, event, createdOn, null, crypto.randomUUID()));
    log.warn("webhook event stored, not applied", { outcome: inserted.rowCount === 0 ? "duplicate" : "ignored", reason });
    return { received: true };
  }
  const outcome = await runWrite(ctx, { operation: "billing.webhook" }, async (unit) => {
    const found = unit.read(sessionStatement(ctx, match));
    const known = unit.read(ctx.db.execute<{ seen: boolean }>(sql`
      select exists (select 1 from webhook_events where provider = 'checkout' and event_id = ${event.id}) as seen`));
    const applied = unit.read(appliedEventsStatement(ctx, sql`(select user_id from checkout_sessions cs where ${match})`));
    await unit.load();
    if (known.result.rows[0]?.seen === true) return { outcome: "duplicate" };
    const row = found.result.rows[0];
    const eventRowId = crypto.randomUUID();
    const refusal = row === undefined ? "no_matching_session" : refusalOf(ctx, row, data);
    if (row === undefined || refusal !== undefined) {
      unit.write(ctx.db.execute(storeEventSql(ctx, event, createdOn, null, eventRowId)));
      return { outcome: "ignored", reason: refusal ?? "no_matching_session", session_user_id: row?.session_user_id, metadata_user_id: data.metadata?.user_id };
    }
    const userId = row.session_user_id;
    const mine = sql`exists (select 1 from webhook_events where id = ${eventRowId})`;
    unit.writeAll([
      ctx.db.execute(sql`select 1 from users where id = ${userId} for no key update`),
      ctx.db.execute(storeEventSql(ctx, event, createdOn, userId, eventRowId)),
      ctx.db.execute(sql`
        update checkout_sessions set status = case when ${paid} then 'paid' when status = 'paid' then 'paid' else 'declined' end,
          payment_id = case when ${paid} then ${data.id} else payment_id end, updated_at = ${ctx.clock.now().toISOString()}::timestamptz
        where id = ${row.session_id} and ${mine}`),
    ]);
    if (row.product !== PRO_PRODUCT) {
      const pack = Object.hasOwn(ctx.config.CREDIT_PACKS, row.product) ? ctx.config.CREDIT_PACKS[row.product] : undefined;
      if (!paid || pack === undefined) return { outcome: paid ? "unknown_pack" : "pack_payment_declined" };
      unit.write(packGrant(unit, userId, row.product, pack, data.id));
      return { outcome: "pack_granted" };
    }
    const current: AppliedEvent = { eventId: event.id, outcome: paid ? "paid" : "declined", paymentId: data.id, createdOn };
    const earlier = applied.result.rows.map(appliedEventOf);
    const kind = applyDerived(unit, { userId, row, events: [...earlier, current], focus: event.id, mine, newPayment: paid && !earlier.some((e) => e.outcome === "paid" && e.paymentId === data.id) });
    return { outcome: kind };
  });
  if (outcome.outcome === "ignored") log.warn("webhook event stored, not applied", outcome);
  else log.info("webhook event processed", outcome);
  return { received: true };
}

/** The SQL condition on `checkout_sessions cs` that finds the payment's session (reference first). */
function sessionMatch(payment: Payment): SQL | undefined {
  if (payment.reference !== undefined) return sql`cs.reference = ${payment.reference}`;
  if (payment.hosted_payment_id !== undefined) return sql`cs.provider_session_id = ${payment.hosted_payment_id}`;
  return undefined;
}

/** Why a payment matched to its session must not be applied (metadata and amount must agree with it). */
function refusalOf(ctx: ServiceContext, row: SessionRow, payment: Payment): string | undefined {
  const metadata = payment.metadata;
  if (metadata?.user_id !== undefined && metadata.user_id !== row.session_user_id) return "metadata_user_differs_from_session";
  if (metadata?.product !== undefined && metadata.product !== row.product) return "metadata_product_differs_from_session";
  if (row.product !== PRO_PRODUCT && !Object.hasOwn(ctx.config.CREDIT_PACKS, row.product)) return "unknown_product";
  if ((payment.amount !== undefined && payment.amount !== row.amount) || (payment.currency !== undefined && payment.currency.toUpperCase() !== row.currency)) {
    return "amount_mismatch";
  }
  return undefined;
}

/** The matched session with its user's tier and subscription row, in ONE statement (round trip 1). */
function sessionStatement(ctx: ServiceContext, match: SQL) {
  return ctx.db.execute<SessionRow>(sql`
    select cs.id as session_id, cs.user_id as session_user_id, cs.product, cs.amount, cs.currency,
      u.tier, s.status, s.current_period_start::text, s.current_period_end::text, s.grace_period_end::text,
      s.cancel_at_period_end, s.failed_payment_count, s.checkout_last_payment_id, s.last_event_created_on::text,
      s.cancelled_at::text, s.updated_at::text, ${fingerprintSql(sql`cs.user_id`)} as fingerprint
    from checkout_sessions cs join users u on u.id = cs.user_id left join subscriptions s on s.user_id = u.id
    where ${match}
    limit 1`);
}

function packGrant(unit: WriteUnit, userId: string, name: string, pack: CreditPack, paymentId: string) {
  return grantStatement(unit.ctx, {
    userId,
    kind: "purchased",
    amount: pack.credits,
    expiresAt: null,
    source: "credit_pack",
    reference: `payment:${paymentId}`,
    reason: `credit_pack:${name}`.slice(0, 64),
  });
}

/** Writes the re-derived subscription, its tier and, for a new payment, the period's credits. */
function applyDerived(
  unit: WriteUnit,
  input: { userId: string; row: SessionRow; events: AppliedEvent[]; focus: string; mine: SQL; newPayment: boolean },
): string {
  const { ctx } = unit;
  const { userId, mine, row } = input;
  const now = ctx.clock.now();
  const cancelledAt = row.cancelled_at === null ? null : new Date(iso(row.cancelled_at));
  const asOf = settleInstant(now, row);
  const derived = deriveSubscription({ events: input.events, cancelledAt, asOf, focus: input.focus });
  const before = stateOf(row);
  unit.writeAll(persistDerived(ctx, { userId, fingerprint: row.fingerprint, state: derived.state, cancelledAt, asOf, mine }));
  const paymentId = input.events.find((e) => e.eventId === input.focus)?.paymentId ?? "";
  const periodEnd = derived.periodEndOf.get(paymentId);
  if (input.newPayment && periodEnd !== undefined) {
    unit.writeAll([
      carryOverStatement(ctx, { userId, paymentId, periodEnd, when: mine }),
      grantStatement(ctx, { userId, kind: "subscription", amount: ctx.config.PRO_MONTHLY_CREDITS, expiresAt: periodEnd, source: "subscription_period", reference: `subscription:${paymentId}` }),
    ]);
  }
  // A paid event of a payment already applied (approved, then captured – in either order) tells nothing new.
  const focusChange = derived.change !== null && (derived.change === "activated" || derived.change === "renewed") && !input.newPayment ? null : derived.change;
  const change = focusChange ?? settledChange(before, derived.state);
  if (change !== null) unit.write(ctx.db.execute(notificationStatementSql(userId, change, derived.state.status, now, mine)));
  return derived.change ?? (change === null ? "no_change" : `settled_${change}`);
}

function eventTime(event: CheckoutEvent): Date | undefined {
  for (const value of [event.created_on, event.timestamp]) {
    if (value === undefined) continue;
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return new Date(at);
  }
  return undefined;
}

/** The event row (processed now – its effect, if any, commits with it); a repeat inserts nothing. */
function storeEventSql(ctx: ServiceContext, event: CheckoutEvent, createdOn: Date, userId: string | null, rowId: string): SQL {
  const now = ctx.clock.now().toISOString();
  return sql`
    insert into webhook_events (id, provider, event_id, type, created_on, payload, user_id, received_at, processed_at)
    values (${rowId}, 'checkout', ${event.id}, ${event.type}, ${createdOn.toISOString()}::timestamptz, ${JSON.stringify(event)}::jsonb,
      (select id from users where id = ${userId}::uuid), ${now}::timestamptz, ${now}::timestamptz)
    on conflict (provider, event_id) do nothing`;
}
