import { describe, expect, it } from "vitest";
import { consumeCreditsNow } from "../../../src/services/credits/consume";
import { refundCreditsNow } from "../../../src/services/credits/refund";
import { balanceHolds, contextAt, DAY_MS, grantLot, HOUR_MS, ledgerOf, lotsOf, midnightOf, newUser } from "./support";

/**
 * Refunds at the service level (services/credits/refund.ts → perpetua_refund_credits, migration 0011): exactly
 * what the consumption took, back to where it came from; once only; a credit whose lot expired meanwhile comes
 * back in a new lot that lives at least until the next UTC midnight.
 */
const consume = (userId: string, amount: number, reference: string, at?: Date) =>
  consumeCreditsNow({ ctx: contextAt(userId, at), input: { userId, amount, reason: "ai_chat", reference } });
const refund = (userId: string, reference: string, at?: Date) =>
  refundCreditsNow({ ctx: contextAt(userId, at), input: { userId, reference, reason: "ai_failed" } });

describe("refunds (docs/credits.md)", () => {
  it("return exactly what the consumption took, to the lots it came from, once", async () => {
    const userId = await newUser();
    const daily = await grantLot(userId, { kind: "daily", amount: 2, expiresAt: new Date(Date.now() + HOUR_MS) });
    const purchased = await grantLot(userId, { kind: "purchased", amount: 5 });
    const before = await lotsOf(userId);
    const reference = crypto.randomUUID();
    await consume(userId, 4, reference);
    await consume(userId, 1, crypto.randomUUID()); // another consumption, not refunded
    expect((await lotsOf(userId)).map((lot) => lot.remaining)).toEqual([0, 2]);

    expect(await refund(userId, reference)).toEqual({ refunded: 4, replayed: false, balance: 6 });
    const after = await lotsOf(userId);
    expect(after.map((lot) => [lot.id, lot.remaining])).toEqual([
      [daily, 2],
      [purchased, 4],
    ]);
    expect(after).toHaveLength(before.length); // no new lot
    const refunds = (await ledgerOf(userId)).filter((entry) => entry.kind === "refund");
    expect(refunds.map((entry) => [entry.lot_id, entry.amount, entry.reference])).toEqual([
      [daily, 2, reference],
      [purchased, 2, reference],
    ]);

    // Once only: a second refund of the same consumption changes nothing.
    expect(await refund(userId, reference)).toEqual({ refunded: 4, replayed: true, balance: 6 });
    expect((await ledgerOf(userId)).filter((entry) => entry.kind === "refund")).toHaveLength(2);
    expect(await balanceHolds(userId)).toBe(6);
  });

  it("10 parallel refunds of one consumption refund it once", async () => {
    const userId = await newUser();
    await grantLot(userId, { kind: "purchased", amount: 6 });
    const reference = crypto.randomUUID();
    await consume(userId, 5, reference);
    const outcomes = await Promise.all(Array.from({ length: 10 }, () => refund(userId, reference)));
    expect(outcomes.filter((outcome) => !outcome.replayed)).toEqual([{ refunded: 5, replayed: false, balance: 6 }]);
    expect((await ledgerOf(userId)).filter((entry) => entry.kind === "refund")).toHaveLength(1);
    expect(await balanceHolds(userId)).toBe(6);
  });

  it("a refund of a reference nothing consumed refunds nothing", async () => {
    const userId = await newUser();
    await grantLot(userId, { kind: "kickstart", amount: 5 });
    expect(await refund(userId, crypto.randomUUID())).toEqual({ refunded: 0, replayed: false, balance: 5 });
    expect(await balanceHolds(userId)).toBe(5);
  });

  it("after the lot's midnight expiry, the credit comes back as a new lot expiring at the next UTC midnight", async () => {
    const userId = await newUser();
    // A daily lot of a day in the past, consumed just before its midnight, refunded just after it.
    const day = midnightOf(new Date(Date.now() - 3 * DAY_MS));
    const midnight = new Date(day.getTime() + DAY_MS);
    const daily = await grantLot(userId, { kind: "daily", amount: 3, expiresAt: midnight, grantedAt: day });
    const kickstart = await grantLot(userId, { kind: "kickstart", amount: 1, grantedAt: day });
    const reference = crypto.randomUUID();
    await consume(userId, 4, reference, new Date(midnight.getTime() - 1000));

    const refundAt = new Date(midnight.getTime() + 5000);
    expect(await refund(userId, reference, refundAt)).toEqual({ refunded: 4, replayed: false, balance: 4 });
    const lots = await lotsOf(userId);
    // The expired lot is not refilled; kickstart (never expires) is; one new daily lot holds the 3 credits.
    expect(lots.find((lot) => lot.id === daily)?.remaining).toBe(0);
    expect(lots.find((lot) => lot.id === kickstart)?.remaining).toBe(1);
    const fresh = lots.filter((lot) => lot.id !== daily && lot.id !== kickstart);
    expect(fresh).toHaveLength(1);
    expect(fresh[0]).toMatchObject({ kind: "daily", amount: 3, remaining: 3, source: "refund" });
    expect(new Date(fresh[0]?.expires_at ?? "").toISOString()).toBe(new Date(midnight.getTime() + DAY_MS).toISOString());

    // The refunded credits are usable after that midnight, until the next one.
    expect(await consume(userId, 4, crypto.randomUUID(), new Date(midnight.getTime() + DAY_MS - 1000))).toMatchObject({
      by_kind: { daily: 3, kickstart: 1 },
    });
    expect(await balanceHolds(userId)).toBe(0);
  });
});
