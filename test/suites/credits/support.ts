import { sql } from "drizzle-orm";
import type { CreditLotKind } from "../../../src/db/schema/credits";
import { fixedClock } from "../../../src/lib/clock";
import type { ServiceContext } from "../../../src/services/context";
import { grantCreditsNow } from "../../../src/services/credits/grant";
import { newRequestId } from "../../support/requests";
import { userServiceContext } from "../../support/service-context";
import { insertUser, rows, testDb } from "../platform/database";

/**
 * Arranging and inspecting credits for the credit suites: users without any lot, lots granted through the
 * real grant operation (so the ledger and the invariant hold from the start), and the lots, ledger and
 * invariant as the database has them.
 */
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** A user row with no lot at all (a sign-in would grant kickstart credits). */
export function newUser(): Promise<string> {
  return insertUser(testDb("credits"));
}

/** A service context for the user whose clock is `at` (default: the real now). */
export function contextAt(userId: string, at?: Date, requestId = newRequestId("credits")): ServiceContext {
  const { ctx } = userServiceContext(userId, requestId);
  return at === undefined ? ctx : { ...ctx, clock: fixedClock(at) };
}

export interface LotSpec {
  kind: CreditLotKind;
  amount: number;
  /** Default: never (null). */
  expiresAt?: Date | null;
  /** When the grant happens (the lot's created_at); default the real now. */
  grantedAt?: Date;
}

/** Grants a lot through `grantCreditsNow` and returns its id. */
export async function grantLot(userId: string, spec: LotSpec): Promise<string> {
  const outcome = await grantCreditsNow({
    ctx: contextAt(userId, spec.grantedAt),
    input: { userId, kind: spec.kind, amount: spec.amount, expiresAt: spec.expiresAt ?? null, source: "test", reference: `test:${crypto.randomUUID()}` },
  });
  if (!outcome.granted || outcome.lot_id === null) throw new Error("grant did not grant");
  return outcome.lot_id;
}

export interface LotRow extends Record<string, unknown> {
  id: string;
  kind: CreditLotKind;
  amount: number;
  remaining: number;
  expires_at: string | null;
  source: string;
}

export function lotsOf(userId: string): Promise<LotRow[]> {
  return rows<LotRow>(
    testDb("credits"),
    sql`select id, kind, amount, remaining, expires_at::text, source from credit_lots where user_id = ${userId} order by created_at, id`,
  );
}

export interface EntryRow extends Record<string, unknown> {
  lot_id: string;
  kind: string;
  amount: number;
  balance_after: number;
  reason: string;
  reference: string | null;
}

/** The user's ledger in the order it was written (seq). */
export function ledgerOf(userId: string): Promise<EntryRow[]> {
  return rows<EntryRow>(
    testDb("credits"),
    sql`select lot_id, kind, amount, balance_after, reason, reference from credit_ledger where user_id = ${userId} order by seq`,
  );
}

/** The invariant of docs/credits.md: sum of the lots' remaining, the last balance_after, the sum of the ledger. */
export async function invariant(userId: string): Promise<{ lots: number; last: number; ledger: number }> {
  const [row] = await rows<{ lots: number; last: number; ledger: number }>(
    testDb("credits"),
    sql`select
          (select coalesce(sum(remaining), 0)::int from credit_lots where user_id = ${userId}) as lots,
          coalesce((select balance_after from credit_ledger where user_id = ${userId} order by seq desc limit 1), 0) as last,
          (select coalesce(sum(amount), 0)::int from credit_ledger where user_id = ${userId}) as ledger`,
  );
  if (!row) throw new Error("invariant query returned no row");
  return row;
}

/** Asserts the invariant and returns the balance it agrees on. */
export async function balanceHolds(userId: string): Promise<number> {
  const { lots, last, ledger } = await invariant(userId);
  if (lots !== last || lots !== ledger) throw new Error(`credit invariant broken: lots ${lots}, last balance_after ${last}, ledger ${ledger}`);
  return lots;
}

/** The UTC midnight at the start of the day `at` falls in. */
export function midnightOf(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}
