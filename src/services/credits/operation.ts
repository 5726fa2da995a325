import { z } from "zod";
import type { ServiceContext } from "../context";
import { runWrite, type Statement, type WriteUnit } from "../unit-of-work";

/**
 * How the credit operations (consume, refund, grant: docs/credits.md) plug into writes. Each is ONE statement –
 * a PL/pgSQL function of migration 0011 that locks the user's row, decides and moves credits atomically – so
 * it can ride in any write's commit batch:
 *
 * - `consumeCredits({ ctx: unit.ctx, input })` (and refund, grant) JOINS the caller's open write: the statement
 *   goes into that unit's commit batch, under its Idempotency-Key, all or nothing with the caller's own
 *   statements; a failed consumption (402) aborts the whole batch. Its outcome is readable once the caller's
 *   write committed (`operation.outcome`).
 * - `consumeCreditsNow({ ctx, input })` runs its own write (one round trip, its own transaction) and returns
 *   the outcome – for a caller that must know it before going on (charge, then call the AI provider, refund
 *   on failure). It never runs under the request's Idempotency-Key: each operation is idempotent by its own
 *   reference instead.
 */
export interface CreditOperation<T> {
  /** What the function decided; throws when read before the batch it rides in committed. */
  readonly outcome: T;
}

/** Operation results are jsonb (`{…}`); drivers may hand jsonb back as text. */
const jsonb = <T extends z.ZodType>(schema: T) => z.preprocess((value) => (typeof value === "string" ? (JSON.parse(value) as unknown) : value), schema);

/** Puts one credit statement (`select perpetua_…(…) as result`) into `unit`'s commit batch. */
export function contribute<T>(unit: WriteUnit, statement: Statement, schema: z.ZodType<T>): CreditOperation<T> {
  const pending = unit.write(statement);
  return {
    get outcome(): T {
      return parseResult(pending.result, schema);
    },
  };
}

/** The `result` column of a credit statement's single row, checked against the operation's schema. */
export function parseResult<T>(result: unknown, schema: z.ZodType<T>): T {
  const rows: unknown = typeof result === "object" && result !== null && "rows" in result ? result.rows : undefined;
  const row: unknown = Array.isArray(rows) ? rows[0] : undefined;
  const value: unknown = typeof row === "object" && row !== null && "result" in row ? row.result : undefined;
  return jsonb(schema).parse(value);
}

/** The open write a joining credit operation contributes to (`ctx.unit`); outside a write, use the `…Now` variant. */
export function requireUnit(ctx: ServiceContext, operation: string): WriteUnit {
  if (!ctx.unit) throw new Error(`${operation} joins an open write (call it with unit.ctx); outside a write use ${operation}Now`);
  return ctx.unit;
}

/**
 * A credit operation as its own write: one commit batch holding only its statement. The request's
 * Idempotency-Key scope is left out on purpose (the key belongs to the request's own write, which may follow).
 */
export async function ownWrite<T>(ctx: ServiceContext, operation: string, userId: string, body: (unit: WriteUnit) => CreditOperation<T>): Promise<T> {
  if (ctx.unit) throw new Error(`${operation} runs its own write; inside a write use the joining variant with unit.ctx`);
  const { idempotency: _scope, ...own } = ctx;
  let contributed: CreditOperation<T> | undefined;
  await runWrite(own, { operation, userId, status: 204 }, async (unit) => {
    contributed = body(unit);
    return null;
  });
  if (contributed === undefined) throw new Error(`${operation} contributed nothing`);
  return contributed.outcome;
}

/** The ledger's `request_id` column holds at most 128 characters. */
export function ledgerRequestId(ctx: ServiceContext): string {
  return ctx.requestId.slice(0, 128);
}

export const byKindSchema = z.partialRecord(z.enum(["daily", "subscription", "purchased", "kickstart"]), z.number().int());

/** Inputs come from services, not clients: a bad one is a bug in the caller, reported before any SQL. */
export function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`credit operation: ${message}`);
}
