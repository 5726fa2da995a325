import { sql } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context";
import { metrics } from "../metrics/recorder";
import { check, contribute, ledgerRequestId, ownWrite, requireUnit, type CreditOperation } from "./operation";

export interface RefundInput {
  userId: string;
  /** The consumption's reference. */
  reference: string;
  /** Machine-readable cause in the ledger, e.g. `ai_failed` (1–64 characters). */
  reason: string;
}

export interface RefundOutcome {
  /** Credits given back (0 when no consumption has this reference). */
  refunded: number;
  /** The consumption was refunded before: nothing happened this time. */
  replayed: boolean;
  /** Usable credits after the refund. */
  balance: number;
}

const outcomeSchema = z.object({ refunded: z.number().int(), replayed: z.boolean(), balance: z.number().int() });

/**
 * Gives back exactly what the consumption `reference` took, to the lots it came from (`perpetua_refund_credits`,
 * migration 0011). A lot that expired meanwhile is not refilled: its share comes back as a new lot of the same
 * kind expiring at the next UTC midnight at the earliest, so a refunded credit is never lost to midnight. Once
 * per consumption: a repeat changes nothing (`replayed`). Joins the open write of `ctx` (see ./operation.ts).
 */
export function refundCredits({ ctx, input }: { ctx: ServiceContext; input: RefundInput }): CreditOperation<RefundOutcome> {
  const unit = requireUnit(ctx, "refundCredits");
  check(input.reason.length >= 1 && input.reason.length <= 64, "reason must be 1–64 characters");
  check(input.reference.length >= 1 && input.reference.length <= 255, "reference must be 1–255 characters");
  const statement = unit.ctx.db.execute<{ result: unknown }>(sql`
    select perpetua_refund_credits(${input.userId}::uuid, ${input.reference}, ${input.reason}, ${ledgerRequestId(unit.ctx)},
      ${unit.ctx.clock.now().toISOString()}::timestamptz) as result`);
  const operation = contribute(unit, statement, outcomeSchema);
  unit.afterCommit(async () => {
    const { refunded, replayed } = operation.outcome;
    if (!replayed && refunded > 0) metrics.count("ai_credits_refunded_total", { kind: input.reason }, refunded);
  });
  return operation;
}

/** `refundCredits` as its own write (one round trip). */
export function refundCreditsNow({ ctx, input }: { ctx: ServiceContext; input: RefundInput }): Promise<RefundOutcome> {
  return ownWrite(ctx, "credits.refund", input.userId, (unit) => refundCredits({ ctx: unit.ctx, input }));
}
