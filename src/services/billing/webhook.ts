import { sql, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { CreditPack } from "../../env";
import type { ServiceContext } from "../context";
import { grantStatement } from "../credits/grant";
import { guard } from "../guards";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { PRO_PRODUCT } from "./checkout";
import { notificationStatementSql } from "./notify";
import { referenceMatches } from "./reference";
import { carryOverStatement } from "./renewal-credits";
import { fingerprintSql, stateOf, subscriptionStatement, type SubscriptionState } from "./state";
import { applyPaymentEvent, type PaymentEvent } from "./transition";

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
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const paymentSchema = z.object({
  id: z.string().min(1).max(200),
  amount: z.number().int().optional(),
  currency: z.string().optional(),
  reference: z.string().max(50),
  metadata: z.object({ user_id: z.string().regex(UUID), product: z.string().min(1).max(64) }),
});

type Resolution =
  | { apply: false; reason: string; userId: string | null }
  | { apply: true; product: "pro"; userId: string; event: PaymentEvent }
  | { apply: true; product: "pack"; userId: string; name: string; pack: CreditPack; paymentId: string };

/**
 * `POST /webhooks/checkout` after its signature was verified (docs/billing.md#webhooks). Every event is
 * stored once (`webhook_events`, unique by provider and event id) in the SAME batch as its effect, so a
 * replay – sequential or ten in parallel – has no second effect and an effect never lands without its event:
 * - a Pro payment moves the subscription by `applyPaymentEvent` (./transition.ts: the status follows the
 *   newest event by `created_on`/`timestamp`, every payment buys exactly one period), sets the tier, applies the carry-over rule and grants
 *   the period's credits (reference `subscription:<payment id>`), and notifies the user;
 * - a pack payment grants one `purchased` lot that never expires (reference `payment:<payment id>`, unique);
 * - anything else – unknown type, user or product, a reference that does not verify against the metadata
 *   (./reference.ts: a payment is only applied to the user its session was created for), an amount that is
 *   not the product's price – is stored, logged and acknowledged (Checkout.com must not resend it forever).
 * Two round trips: the user's subscription and whether the event is known, then one batch: the user's row
 * locked, the event inserted ON CONFLICT DO NOTHING, and every effect conditioned on that insert having
 * happened in this batch; a guard re-runs the write when the subscription changed since it was read (another
 * event of the same user committed in between).
 */
export async function processCheckoutEvent({ ctx, input }: { ctx: ServiceContext; input: CheckoutEvent }): Promise<WebhookOutcome> {
  const event = input;
  const createdOn = eventTime(event) ?? ctx.clock.now();
  const resolution = await resolve(ctx, event, createdOn);
  const log = ctx.log.with({ webhook_event_id: event.id, webhook_event_type: event.type });
  if (!resolution.apply) {
    const inserted = await ctx.db.execute(storeEventSql(ctx, event, createdOn, resolution.userId, crypto.randomUUID()));
    log.warn("webhook event stored, not applied", { outcome: inserted.rowCount === 0 ? "duplicate" : "ignored", reason: resolution.reason });
    return { received: true };
  }
  const userId = resolution.userId;
  const outcome = await runWrite(ctx, { operation: "billing.webhook", userId }, async (unit) => {
    const found = unit.read(subscriptionStatement(ctx, userId));
    const paymentId = resolution.product === "pro" ? resolution.event.paymentId : resolution.paymentId;
    const known = unit.read(
      ctx.db.execute<{ seen: boolean; applied: boolean }>(sql`
        select exists (select 1 from webhook_events where provider = 'checkout' and event_id = ${event.id}) as seen,
          exists (select 1 from credit_lots where user_id = ${userId} and kind = 'subscription' and reference = ${`subscription:${paymentId}`}) as applied`),
    );
    await unit.load();
    if (known.result.rows[0]?.seen === true) return "duplicate";
    const row = found.result.rows[0];
    const eventRowId = crypto.randomUUID();
    if (row === undefined) {
      unit.write(ctx.db.execute(storeEventSql(ctx, event, createdOn, null, eventRowId)));
      return "unknown_user";
    }
    const mine = sql`exists (select 1 from webhook_events where id = ${eventRowId})`;
    unit.writeAll([
      ctx.db.execute(sql`select 1 from users where id = ${userId} for no key update`),
      ctx.db.execute(storeEventSql(ctx, event, createdOn, userId, eventRowId)),
    ]);
    if (resolution.product === "pack") {
      unit.write(
        grantStatement(unit.ctx, {
          userId,
          kind: "purchased",
          amount: resolution.pack.credits,
          expiresAt: null,
          source: "credit_pack",
          reference: `payment:${resolution.paymentId}`,
          reason: `credit_pack:${resolution.name}`.slice(0, 64),
        }),
      );
      return "pack_granted";
    }
    const paymentApplied = known.result.rows[0]?.applied === true;
    return applyProPayment(unit, { userId, state: stateOf(row), fingerprint: row.fingerprint, event: resolution.event, paymentApplied, mine });
  });
  log.info("webhook event processed", { outcome });
  return { received: true };
}

function applyProPayment(
  unit: WriteUnit,
  input: { userId: string; state: SubscriptionState; fingerprint: string | null; event: PaymentEvent; paymentApplied: boolean; mine: SQL },
): string {
  const { ctx } = unit;
  const { userId, mine } = input;
  const now = ctx.clock.now();
  const transition = applyPaymentEvent(input.state, input.event, now, input.paymentApplied);
  if (transition.kind === "none") return transition.reason;
  const next = transition.next;
  const at = (value: Date | null) => (value === null ? null : value.toISOString());
  unit.writeAll([
    ctx.db.execute(sql`select ${guard("STATE_MOVED", sql`not ${mine} or ${fingerprintSql(userId)} is not distinct from ${input.fingerprint}`)}`),
    ctx.db.execute(sql`
      insert into subscriptions (user_id, status, current_period_start, current_period_end, grace_period_end, cancel_at_period_end,
        cancelled_at, failed_payment_count, checkout_last_payment_id, last_event_created_on, updated_at)
      select ${userId}, ${next.status}, ${at(next.currentPeriodStart)}::timestamptz, ${at(next.currentPeriodEnd)}::timestamptz,
        ${at(next.gracePeriodEnd)}::timestamptz, ${next.cancelAtPeriodEnd}, null, ${next.failedPaymentCount}, ${next.lastPaymentId},
        ${at(next.lastEventCreatedOn)}::timestamptz, ${now.toISOString()}::timestamptz
      where ${mine}
      on conflict (user_id) do update set status = excluded.status, current_period_start = excluded.current_period_start,
        current_period_end = excluded.current_period_end, grace_period_end = excluded.grace_period_end,
        cancel_at_period_end = excluded.cancel_at_period_end,
        cancelled_at = case when excluded.cancel_at_period_end then subscriptions.cancelled_at else null end,
        failed_payment_count = excluded.failed_payment_count, checkout_last_payment_id = excluded.checkout_last_payment_id,
        last_event_created_on = excluded.last_event_created_on, updated_at = excluded.updated_at`),
  ]);
  if (transition.kind === "activated" || transition.kind === "renewed") {
    const periodEnd = next.currentPeriodEnd ?? now;
    unit.writeAll([
      ctx.db.execute(sql`update users set tier = 'pro', updated_at = ${now.toISOString()}::timestamptz where id = ${userId} and tier <> 'pro' and ${mine}`),
      carryOverStatement(ctx, { userId, paymentId: input.event.paymentId, periodEnd, when: mine }),
      grantStatement(ctx, {
        userId,
        kind: "subscription",
        amount: ctx.config.PRO_MONTHLY_CREDITS,
        expiresAt: periodEnd,
        source: "subscription_period",
        reference: `subscription:${input.event.paymentId}`,
      }),
    ]);
  }
  unit.write(ctx.db.execute(notificationStatementSql(userId, transition.kind, next.status, now, mine)));
  return transition.kind;
}

async function resolve(ctx: ServiceContext, event: CheckoutEvent, createdOn: Date): Promise<Resolution> {
  const paid = PAID_TYPES.has(event.type);
  if (!paid && !DECLINED_TYPES.has(event.type)) return { apply: false, reason: "unhandled_type", userId: null };
  const payment = paymentSchema.safeParse(event.data);
  if (!payment.success) return { apply: false, reason: "no_payment_of_ours", userId: null };
  const { id: paymentId, metadata, reference } = payment.data;
  const secretKey = ctx.config.CHECKOUT_SECRET_KEY;
  if (secretKey === undefined || !(await referenceMatches(secretKey, reference, metadata.user_id, metadata.product))) {
    return { apply: false, reason: "reference_does_not_match_metadata", userId: null };
  }
  const expected = expectedPrice(ctx, metadata.product);
  if (expected === undefined) return { apply: false, reason: "unknown_product", userId: metadata.user_id };
  const { amount, currency } = payment.data;
  if ((amount !== undefined && amount !== expected.amount) || (currency !== undefined && currency.toUpperCase() !== expected.currency)) {
    return { apply: false, reason: "amount_mismatch", userId: metadata.user_id };
  }
  if (metadata.product === PRO_PRODUCT) {
    return { apply: true, product: "pro", userId: metadata.user_id, event: { outcome: paid ? "paid" : "declined", paymentId, createdOn } };
  }
  if (!paid || expected.pack === undefined) return { apply: false, reason: "pack_payment_declined", userId: metadata.user_id };
  return { apply: true, product: "pack", userId: metadata.user_id, name: metadata.product, pack: expected.pack, paymentId };
}

function expectedPrice(ctx: ServiceContext, product: string): { amount: number; currency: string; pack?: CreditPack } | undefined {
  if (product === PRO_PRODUCT) return { amount: ctx.config.CHECKOUT_PRO_PRICE, currency: ctx.config.CHECKOUT_PRO_CURRENCY };
  const pack = Object.hasOwn(ctx.config.CREDIT_PACKS, product) ? ctx.config.CREDIT_PACKS[product] : undefined;
  return pack === undefined ? undefined : { amount: pack.amount, currency: pack.currency, pack };
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
