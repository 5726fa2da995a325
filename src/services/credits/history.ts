import { sql } from "drizzle-orm";
import { z } from "zod";
import type { CreditEntryKind, CreditLotKind } from "../../db/schema/credits";
import { decodeCursor, encodeCursor } from "../../lib/cursor";
import type { ServiceContext } from "../context";
import { iso } from "../tasks/present";
import { requireUserId } from "../users/get-me";

export interface CreditHistoryEntry {
  id: string;
  kind: CreditEntryKind;
  /** Signed: grant, refund and carryover add, consume and expire remove. */
  amount: number;
  /** The user's credits in all lots after this entry (swept or not; see docs/credits.md). */
  balance_after: number;
  lot_kind: CreditLotKind;
  reason: string;
  reference: string | null;
  created_at: string;
}

type Row = CreditHistoryEntry & Record<string, unknown> & { seq: string | number };

/** The position after the last entry served: the ledger's `seq` (the order movements happened in). */
const cursorSchema = z.strictObject({ s: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) });

/**
 * `GET /credits/history` (docs/credits.md): the user's ledger, newest first – in the order the movements
 * happened (`seq`, migration 0011; several entries of one operation share a `created_at`) – with keyset
 * pagination on `seq`. One round trip.
 */
export async function listCreditHistory({
  ctx,
  input,
}: {
  ctx: ServiceContext;
  input: { limit: number; cursor?: string | undefined };
}): Promise<{ data: CreditHistoryEntry[]; next_cursor: string | null }> {
  const userId = requireUserId(ctx);
  const after = input.cursor === undefined ? undefined : decodeCursor(input.cursor, cursorSchema).s;
  const result = await ctx.db.execute<Row>(sql`
    select e.seq, e.id, e.kind, e.amount, e.balance_after, l.kind as lot_kind, e.reason, e.reference, e.created_at::text as created_at
    from credit_ledger e join credit_lots l on l.id = e.lot_id
    where e.user_id = ${userId} ${after === undefined ? sql`` : sql`and e.seq < ${after}`}
    order by e.seq desc
    limit ${input.limit + 1}`);
  const rows = result.rows.slice(0, input.limit);
  const last = rows.at(-1);
  return {
    data: rows.map((row) => ({
      id: row.id,
      kind: row.kind,
      amount: Number(row.amount),
      balance_after: Number(row.balance_after),
      lot_kind: row.lot_kind,
      reason: row.reason,
      reference: row.reference,
      created_at: iso(row.created_at),
    })),
    next_cursor: result.rows.length > input.limit && last !== undefined ? encodeCursor({ s: Number(last.seq) }) : null,
  };
}
