import { sql } from "drizzle-orm";
import { z } from "zod";
import type { ServiceContext } from "../context";
import { metrics } from "../metrics/recorder";
import { byKindSchema, check, contribute, ledgerRequestId, ownWrite, requireUnit, type CreditOperation } from "./operation";

export interface ConsumeInput {
  userId: string;
  /** Credits to take, > 0 (docs/credits.md costs: chat 1, transcription 5 per started minute, …). */
  amount: number;
  /** Machine-readable cause in the ledger, e.g. `ai_chat`, `transcription` (1–64 characters). */
  reason: string;
  /**
   * What the consumption is for, e.g. the ai_interactions id (1–255 characters). Unique per user among
   * consumptions: a repeat with the same reference spends nothing and answers the first outcome; a refund
   * names it.
   */
  reference: string;
}

export interface ConsumeOutcome {
  consumed: number;
  /** What each lot kind gave (only kinds that gave something). */
  by_kind: Partial<Record<"daily" | "subscription" | "purchased" | "kickstart", number>>;
  /** Usable credits after the consumption (for a repeat: now). */
  balance: number;
  /** A consumption with this reference had already happened: nothing was taken this time. */
  replayed: boolean;
}

const outcomeSchema = z.object({ consumed: z.number().int(), by_kind: byKindSchema, balance: z.number().int(), replayed: z.boolean() });

/**
 * Takes `amount` credits, all or nothing, in the consumption order daily → subscription → purchased →
 * kickstart (within a kind: expiring first, then oldest), one ledger entry per lot – `perpetua_consume_credits`
 * (migration 0011), which locks the user's row first, so concurrent consumptions never overspend. Not enough
 * usable credits → the write fails with `402 INSUFFICIENT_CREDITS {required, available}` and nothing of it
 * (nor of the write it joined) is committed. Joins the open write of `ctx` (see ./operation.ts).
 */
export function consumeCredits({ ctx, input }: { ctx: ServiceContext; input: ConsumeInput }): CreditOperation<ConsumeOutcome> {
  const unit = requireUnit(ctx, "consumeCredits");
  check(Number.isInteger(input.amount) && input.amount > 0, "amount must be a positive integer");
  check(input.reason.length >= 1 && input.reason.length <= 64, "reason must be 1–64 characters");
  check(input.reference.length >= 1 && input.reference.length <= 255, "reference must be 1–255 characters");
  const statement = unit.ctx.db.execute<{ result: unknown }>(sql`
    select perpetua_consume_credits(${input.userId}::uuid, ${input.amount}::int, ${input.reason}, ${input.reference},
      ${ledgerRequestId(unit.ctx)}, ${unit.ctx.clock.now().toISOString()}::timestamptz) as result`);
  const operation = contribute(unit, statement, outcomeSchema);
  unit.afterCommit(async () => {
    const { consumed, replayed } = operation.outcome;
    if (!replayed && consumed > 0) metrics.count("ai_credits_consumed_total", { kind: input.reason }, consumed);
  });
  return operation;
}

/** `consumeCredits` as its own write (one round trip); throws the 402 when there are not enough credits. */
export function consumeCreditsNow({ ctx, input }: { ctx: ServiceContext; input: ConsumeInput }): Promise<ConsumeOutcome> {
  return ownWrite(ctx, "credits.consume", input.userId, (unit) => consumeCredits({ ctx: unit.ctx, input }));
}
