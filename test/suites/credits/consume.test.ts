import { describe, expect, it } from "vitest";
import { ApiError } from "../../../src/errors/api-error";
import { consumeCredits, consumeCreditsNow, type ConsumeOutcome } from "../../../src/services/credits/consume";
import type { CreditOperation } from "../../../src/services/credits/operation";
import { grantCreditsNow } from "../../../src/services/credits/grant";
import { runWrite } from "../../../src/services/unit-of-work";
import { injectFault, roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { rows, sql, testDb } from "../platform/database";
import { balanceHolds, contextAt, DAY_MS, grantLot, HOUR_MS, ledgerOf, lotsOf, newUser } from "./support";

/**
 * Credit consumption at the service level (services/credits/consume.ts → perpetua_consume_credits, migration
 * 0011) against the real PostgreSQL: the consumption order across kinds and expiries, all-or-nothing, no
 * overspending under concurrency, idempotency by reference, atomicity with the batch it rides in.
 */
const consume = (userId: string, amount: number, options: { at?: Date; reference?: string; requestId?: string } = {}) =>
  consumeCreditsNow({
    ctx: contextAt(userId, options.at, options.requestId),
    input: { userId, amount, reason: "ai_chat", reference: options.reference ?? crypto.randomUUID() },
  });

const failure = async (promise: Promise<unknown>): Promise<ApiError> => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ApiError)) throw new Error(`expected an ApiError, got ${String(error)}`);
  return error;
};

/** What each lot gave, in the order the ledger took it: [lot id, credits]. */
async function takes(userId: string): Promise<[string, number][]> {
  return (await ledgerOf(userId)).filter((entry) => entry.kind === "consume").map((entry) => [entry.lot_id, -entry.amount]);
}

describe("consumption order (docs/credits.md): daily → subscription → purchased → kickstart", () => {
  it("takes every kind in order when one consumption needs them all, one ledger entry per lot", async () => {
    const userId = await newUser();
    const now = Date.now();
    // Granted in the reverse of the consumption order, so creation order cannot explain the result, and the
    // subscription lot expires before the daily one: the kind decides first, expiry only within a kind.
    const kickstart = await grantLot(userId, { kind: "kickstart", amount: 5 });
    const purchased = await grantLot(userId, { kind: "purchased", amount: 3 });
    const subscription = await grantLot(userId, { kind: "subscription", amount: 4, expiresAt: new Date(now + HOUR_MS) });
    const daily = await grantLot(userId, { kind: "daily", amount: 2, expiresAt: new Date(now + 5 * HOUR_MS) });

    expect(await consume(userId, 3)).toMatchObject({ consumed: 3, by_kind: { daily: 2, subscription: 1 }, balance: 11, replayed: false });
    expect(await consume(userId, 10)).toMatchObject({ consumed: 10, by_kind: { subscription: 3, purchased: 3, kickstart: 4 }, balance: 1 });
    expect(await takes(userId)).toEqual([
      [daily, 2],
      [subscription, 1],
      [subscription, 3],
      [purchased, 3],
      [kickstart, 4],
    ]);
    const ledger = await ledgerOf(userId);
    // The running balance after each entry, newest last: 14 granted, then 12, 11, 8, 5, 1.
    expect(ledger.filter((entry) => entry.kind === "consume").map((entry) => entry.balance_after)).toEqual([12, 11, 8, 5, 1]);
    expect(await balanceHolds(userId)).toBe(1);
  });

  it("within a kind: the lot expiring first, never-expiring last, then the oldest", async () => {
    const userId = await newUser();
    const now = Date.now();
    const lateSubscription = await grantLot(userId, { kind: "subscription", amount: 1, expiresAt: new Date(now + 30 * DAY_MS) });
    const neverSubscription = await grantLot(userId, { kind: "subscription", amount: 1, expiresAt: null });
    const soonSubscription = await grantLot(userId, { kind: "subscription", amount: 1, expiresAt: new Date(now + 2 * DAY_MS) });
    const olderPurchased = await grantLot(userId, { kind: "purchased", amount: 1, grantedAt: new Date(now - 2 * DAY_MS) });
    const newerPurchased = await grantLot(userId, { kind: "purchased", amount: 1, grantedAt: new Date(now - DAY_MS) });
    const sameExpiry = new Date(now + 5 * HOUR_MS);
    const olderDaily = await grantLot(userId, { kind: "daily", amount: 1, expiresAt: sameExpiry, grantedAt: new Date(now - 2 * HOUR_MS) });
    const newerDaily = await grantLot(userId, { kind: "daily", amount: 1, expiresAt: sameExpiry, grantedAt: new Date(now - HOUR_MS) });
    const soonDaily = await grantLot(userId, { kind: "daily", amount: 1, expiresAt: new Date(now + HOUR_MS) });

    for (let i = 0; i < 8; i += 1) await consume(userId, 1);
    expect((await takes(userId)).map(([lot]) => lot)).toEqual([
      soonDaily,
      olderDaily,
      newerDaily,
      soonSubscription,
      lateSubscription,
      neverSubscription,
      olderPurchased,
      newerPurchased,
    ]);
    expect(await balanceHolds(userId)).toBe(0);
  });

  it("never takes from a lot past its expiry (expires_at <= now) or swept (expired_at set)", async () => {
    const userId = await newUser();
    const now = new Date();
    // Granted yesterday, expiring exactly now: at `now` it is no longer usable.
    const expiringNow = await grantLot(userId, { kind: "daily", amount: 4, expiresAt: now, grantedAt: new Date(now.getTime() - DAY_MS) });
    const swept = await grantLot(userId, { kind: "subscription", amount: 3, expiresAt: new Date(now.getTime() + DAY_MS) });
    // Sweeping as the daily job does (remaining 0, expired_at set) – with its ledger entry, so the invariant holds.
    await testDb("credits").batch([
      testDb("credits").execute(sql`update credit_lots set remaining = 0, expired_at = ${now.toISOString()}::timestamptz where id = ${swept}`),
      testDb("credits").execute(sql`insert into credit_ledger (user_id, lot_id, kind, amount, balance_after, reason)
        values (${userId}, ${swept}, 'expire', -3, 4, 'test_sweep')`),
    ]);
    const kickstart = await grantLot(userId, { kind: "kickstart", amount: 2 });

    expect(await consume(userId, 2, { at: now })).toMatchObject({ by_kind: { kickstart: 2 }, balance: 0 });
    const error = await failure(consume(userId, 1, { at: now }));
    expect(error.code).toBe("INSUFFICIENT_CREDITS");
    expect(error.details).toEqual({ required: 1, available: 0 });
    expect((await takes(userId)).map(([lot]) => lot)).toEqual([kickstart]);
    expect((await lotsOf(userId)).find((lot) => lot.id === expiringNow)?.remaining).toBe(4);

    // A moment before its expiry the same lot was usable.
    expect(await consume(userId, 1, { at: new Date(now.getTime() - 1000) })).toMatchObject({ by_kind: { daily: 1 } });
    expect(await balanceHolds(userId)).toBe(3);
  });
});

describe("all or nothing, never overspent", () => {
  it("a consumption of 3 with 2 available takes nothing: 402 INSUFFICIENT_CREDITS {required, available}", async () => {
    const userId = await newUser();
    await grantLot(userId, { kind: "daily", amount: 1, expiresAt: new Date(Date.now() + HOUR_MS) });
    await grantLot(userId, { kind: "kickstart", amount: 1 });
    const before = { lots: await lotsOf(userId), ledger: await ledgerOf(userId) };

    const error = await failure(consume(userId, 3));
    expect(error).toMatchObject({ code: "INSUFFICIENT_CREDITS", status: 402, details: { required: 3, available: 2 } });
    expect(await lotsOf(userId)).toEqual(before.lots);
    expect(await ledgerOf(userId)).toEqual(before.ledger);
    expect(await balanceHolds(userId)).toBe(2);
  });

  it("100 parallel consumptions of 1 against 37 credits: exactly 37 succeed, 63 are 402, balance 0", async () => {
    const userId = await newUser();
    const soon = new Date(Date.now() + 2 * HOUR_MS);
    await grantLot(userId, { kind: "daily", amount: 10, expiresAt: soon });
    await grantLot(userId, { kind: "subscription", amount: 12, expiresAt: new Date(Date.now() + 10 * DAY_MS) });
    await grantLot(userId, { kind: "purchased", amount: 10 });
    await grantLot(userId, { kind: "kickstart", amount: 5 });

    const results = await Promise.allSettled(Array.from({ length: 100 }, () => consume(userId, 1)));
    const succeeded = results.filter((result) => result.status === "fulfilled");
    const refused = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
    expect(succeeded).toHaveLength(37);
    expect(refused).toHaveLength(63);
    for (const reason of refused) expect(reason).toMatchObject({ code: "INSUFFICIENT_CREDITS", details: { required: 1, available: 0 } });

    const ledger = await ledgerOf(userId);
    expect(ledger.filter((entry) => entry.kind === "consume")).toHaveLength(37);
    // Every consumption saw the balance the previous one left: 36, 35, …, 0 – no two took the same credit.
    expect(ledger.filter((entry) => entry.kind === "consume").map((entry) => entry.balance_after)).toEqual(Array.from({ length: 37 }, (_, i) => 36 - i));
    expect((await lotsOf(userId)).map((lot) => lot.remaining)).toEqual([0, 0, 0, 0]);
    expect(await balanceHolds(userId)).toBe(0);
  });

  it("a repeated consumption (same reference) is no second spend: it answers the first outcome", async () => {
    const userId = await newUser();
    await grantLot(userId, { kind: "daily", amount: 2, expiresAt: new Date(Date.now() + HOUR_MS) });
    await grantLot(userId, { kind: "kickstart", amount: 5 });
    const reference = crypto.randomUUID();
    expect(await consume(userId, 3, { reference })).toEqual({ consumed: 3, by_kind: { daily: 2, kickstart: 1 }, balance: 4, replayed: false });
    expect(await consume(userId, 3, { reference })).toEqual({ consumed: 3, by_kind: { daily: 2, kickstart: 1 }, balance: 4, replayed: true });
    // Even with credits gone meanwhile, a repeat is not refused: nothing is taken.
    await consume(userId, 4);
    expect(await consume(userId, 3, { reference })).toMatchObject({ consumed: 3, replayed: true, balance: 0 });
    expect((await ledgerOf(userId)).filter((entry) => entry.reference === reference)).toHaveLength(2);
    expect(await balanceHolds(userId)).toBe(0);
  });
});

describe("consumption inside a write (the unit of work)", () => {
  it("a failure injected into the commit batch leaves no ledger row and no lot change", async () => {
    const userId = await newUser();
    await grantLot(userId, { kind: "purchased", amount: 5 });
    const before = { lots: await lotsOf(userId), ledger: await ledgerOf(userId) };
    const requestId = newRequestId("credits-fault");
    await injectFault({ mode: "error", code: "57P01", request_id: requestId, times: 1 });

    const error = await consume(userId, 2, { requestId }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(Error);
    expect(await lotsOf(userId)).toEqual(before.lots);
    expect(await ledgerOf(userId)).toEqual(before.ledger);
    expect(await balanceHolds(userId)).toBe(5);
  });

  it("joins the caller's write: one commit batch, and a 402 aborts the caller's own statements too", async () => {
    const userId = await newUser();
    await grantLot(userId, { kind: "kickstart", amount: 2 });
    let charge: CreditOperation<ConsumeOutcome> | undefined;
    const write = (amount: number, tag: string, requestId: string) =>
      runWrite(contextAt(userId, undefined, requestId), { operation: "test.charge", status: 201 }, async (unit) => {
        unit.write(unit.ctx.db.execute(sql`insert into tags (user_id, name) values (${userId}, ${tag})`));
        charge = consumeCredits({ ctx: unit.ctx, input: { userId, amount, reason: "ai_chat", reference: crypto.randomUUID() } });
        return { tag };
      });
    const tags = async (name: string) => (await rows(testDb("credits"), sql`select 1 from tags where user_id = ${userId} and name = ${name}`)).length;

    const ok = newRequestId("credits-join");
    await write(2, "paid", ok);
    expect(await roundTrips(ok)).toBe(1);
    // The outcome is there once the caller's batch committed.
    expect(charge?.outcome).toEqual({ consumed: 2, by_kind: { kickstart: 2 }, balance: 0, replayed: false });
    expect(await tags("paid")).toBe(1);

    const refused = await failure(write(1, "unpaid", newRequestId("credits-join")));
    expect(refused.code).toBe("INSUFFICIENT_CREDITS");
    expect(await tags("unpaid")).toBe(0);
    expect(await balanceHolds(userId)).toBe(0);
  });

  it("the joining variant refuses to run outside a write, the …Now variant inside one", async () => {
    const userId = await newUser();
    const input = { userId, amount: 1, reason: "ai_chat", reference: crypto.randomUUID() };
    expect(() => consumeCredits({ ctx: contextAt(userId), input })).toThrow(/joins an open write/);
    const inside = runWrite(contextAt(userId), { operation: "test.nested" }, async (unit) => consumeCreditsNow({ ctx: unit.ctx, input }));
    await expect(inside).rejects.toThrow(/runs its own write/);
  });
});

describe("grants", () => {
  it("are idempotent per (user, kind, reference); kickstart once per user", async () => {
    const userId = await newUser();
    const grant = (kind: "purchased" | "kickstart", reference: string) =>
      grantCreditsNow({ ctx: contextAt(userId), input: { userId, kind, amount: 50, expiresAt: null, source: "credit_pack", reference } });
    const first = await grant("purchased", "pay_1");
    expect(first).toMatchObject({ granted: true, balance: 50 });
    expect(await grant("purchased", "pay_1")).toEqual({ granted: false, lot_id: first.lot_id, balance: 50 });
    expect(await grant("purchased", "pay_2")).toMatchObject({ granted: true, balance: 100 });
    expect(await grant("kickstart", "signup")).toMatchObject({ granted: true, balance: 150 });
    expect(await grant("kickstart", "other")).toMatchObject({ granted: false, balance: 150 });
    expect(await balanceHolds(userId)).toBe(150);

    // A webhook delivered 10 times at once grants once.
    const racing = await Promise.all(Array.from({ length: 10 }, () => grant("purchased", "pay_3")));
    expect(racing.filter((outcome) => outcome.granted)).toHaveLength(1);
    expect(await balanceHolds(userId)).toBe(200);
  });
});
