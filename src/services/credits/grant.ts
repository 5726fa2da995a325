import { sql } from "drizzle-orm";
import { z } from "zod";
import type { CreditLotKind } from "../../db/schema/credits";
import type { ServiceContext } from "../context";
import { check, contribute, ledgerRequestId, ownWrite, requireUnit, type CreditOperation } from "./operation";

export interface GrantInput {
  userId: string;
  kind: CreditLotKind;
  amount: number;
  /** null: never expires (kickstart, purchased). Must lie after the clock's now. */
  expiresAt: Date | null;
  /** Why the lot exists, e.g. `signup`, `subscription_period`, `credit_pack` (1–64 characters). */
  source: string;
  /**
   * The grant's idempotency handle (a payment id, a period, a run date; 1–255 characters): a second grant with
   * the same (user, kind, reference) grants nothing. Kickstart is once per user whatever the reference.
   */
  reference: string;
  /** The ledger entry's reason (default: the source). */
  reason?: string;
}

export interface GrantOutcome {
  granted: boolean;
  /** The new lot, or the one an earlier grant with this reference created. */
  lot_id: string | null;
  /** Usable credits after the grant. */
  balance: number;
}

const outcomeSchema = z.object({ granted: z.boolean(), lot_id: z.uuid().nullable(), balance: z.number().int() });

/**
 * Grants a lot plus its ledger entry (`perpetua_grant_credits`, migration 0011), idempotent per (user, kind,
 * reference). Joins the open write of `ctx` (see ./operation.ts) – billing's webhook grants a subscription or
 * purchased lot in the same batch as the payment it records.
 */
export function grantCredits({ ctx, input }: { ctx: ServiceContext; input: GrantInput }): CreditOperation<GrantOutcome> {
  const unit = requireUnit(ctx, "grantCredits");
  return contribute(unit, grantStatement(unit.ctx, input), outcomeSchema);
}

/** `grantCredits` as its own write (one round trip). */
export function grantCreditsNow({ ctx, input }: { ctx: ServiceContext; input: GrantInput }): Promise<GrantOutcome> {
  return ownWrite(ctx, "credits.grant", input.userId, (unit) => grantCredits({ ctx: unit.ctx, input }));
}

/** The grant as one statement (`select perpetua_grant_credits(…) as result`). */
export function grantStatement(ctx: ServiceContext, input: GrantInput) {
  check(Number.isInteger(input.amount) && input.amount > 0, "amount must be a positive integer");
  check(input.source.length >= 1 && input.source.length <= 64, "source must be 1–64 characters");
  check(input.reference.length >= 1 && input.reference.length <= 255, "reference must be 1–255 characters");
  const reason = input.reason ?? input.source;
  check(reason.length >= 1 && reason.length <= 64, "reason must be 1–64 characters");
  return ctx.db.execute<{ result: unknown }>(sql`
    select perpetua_grant_credits(${input.userId}::uuid, ${input.kind}, ${input.amount}::int,
      ${input.expiresAt?.toISOString() ?? null}::timestamptz, ${input.source}, ${input.reference}, ${reason},
      ${ledgerRequestId(ctx)}, ${ctx.clock.now().toISOString()}::timestamptz) as result`);
}
