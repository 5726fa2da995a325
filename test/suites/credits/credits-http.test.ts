import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { consumeCreditsNow } from "../../../src/services/credits/consume";
import { call, newRequestId } from "../../support/requests";
import { roundTrips } from "../../support/neon-control";
import { errorOf, expectData, newClient, type TestClient } from "../../support/factories";
import { balanceHolds, contextAt, grantLot, HOUR_MS } from "./support";

/**
 * `GET /credits` and `GET /credits/history` over HTTP (docs/credits.md): shapes, newest first, cursor pages,
 * one round trip each, only the caller's own credits, 401 without a token, 400 for any bad query.
 */
interface Balance {
  total: number;
  by_kind: { daily: number; subscription: number; purchased: number; kickstart: number };
  next_expiry: { at: string; amount: number } | null;
}
interface Entry {
  id: string;
  kind: string;
  amount: number;
  balance_after: number;
  lot_kind: string;
  reason: string;
  reference: string | null;
  created_at: string;
}
type Page = { data: Entry[]; next_cursor: string | null };

async function page(client: TestClient, query = "", requestId?: string): Promise<Page> {
  const response = await client.request("GET", `/credits/history${query}`, requestId === undefined ? {} : { requestId });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${response.status} ${text}`);
  return JSON.parse(text) as Page;
}

const consume = (userId: string, amount: number, reference = crypto.randomUUID()) =>
  consumeCreditsNow({ ctx: contextAt(userId), input: { userId, amount, reason: "ai_chat", reference } });

describe("GET /credits", () => {
  it("a new user holds the kickstart credits, nothing expires – in one round trip", async () => {
    const client = await newClient();
    const requestId = newRequestId("credits");
    const balance = await expectData<Balance>(await client.request("GET", "/credits", { requestId }));
    expect(balance).toEqual({ total: 5, by_kind: { daily: 0, subscription: 0, purchased: 0, kickstart: 5 }, next_expiry: null });
    expect(await roundTrips(requestId)).toBe(1);
  });

  it("per kind, and the soonest expiry with the credits expiring then", async () => {
    const client = await newClient();
    const soon = new Date(Date.now() + HOUR_MS);
    await grantLot(client.userId, { kind: "daily", amount: 10, expiresAt: soon });
    await grantLot(client.userId, { kind: "daily", amount: 2, expiresAt: soon });
    await grantLot(client.userId, { kind: "subscription", amount: 100, expiresAt: new Date(Date.now() + 30 * 24 * HOUR_MS) });
    // Past its expiry but not swept yet: neither in the balance nor the next expiry.
    await grantLot(client.userId, { kind: "daily", amount: 7, expiresAt: new Date(Date.now() - HOUR_MS), grantedAt: new Date(Date.now() - 2 * HOUR_MS) });
    await consume(client.userId, 3);
    const balance = await expectData<Balance>(await client.request("GET", "/credits"));
    expect(balance).toEqual({
      total: 114,
      by_kind: { daily: 9, subscription: 100, purchased: 0, kickstart: 5 },
      next_expiry: { at: soon.toISOString(), amount: 9 },
    });
    expect(await balanceHolds(client.userId)).toBe(121); // the unswept 7 still count in the ledger's balance
  });

  it("is 401 without a token", async () => {
    const response = await call("/api/v1/credits", { invalid: true });
    expect(response.status).toBe(401);
    expect((await errorOf(response)).code).toBe("UNAUTHORIZED");
  });
});

describe("GET /credits/history", () => {
  it("the ledger newest first, signed amounts, balance after each entry, in one round trip", async () => {
    const client = await newClient();
    const reference = crypto.randomUUID();
    await consume(client.userId, 2, reference);
    const requestId = newRequestId("credits-history");
    const { data, next_cursor } = await page(client, "", requestId);
    expect(await roundTrips(requestId)).toBe(1);
    expect(next_cursor).toBeNull();
    expect(data.map(({ kind, amount, balance_after, lot_kind, reason, reference: ref }) => ({ kind, amount, balance_after, lot_kind, reason, reference: ref }))).toEqual([
      { kind: "consume", amount: -2, balance_after: 3, lot_kind: "kickstart", reason: "ai_chat", reference },
      { kind: "grant", amount: 5, balance_after: 5, lot_kind: "kickstart", reason: "kickstart", reference: "signup" },
    ]);
    expect(data.every((entry) => entry.created_at.endsWith("Z"))).toBe(true);
  });

  it("pages with the cursor: every entry once, newest first, one round trip per page", async () => {
    const client = await newClient();
    await grantLot(client.userId, { kind: "purchased", amount: 20 });
    for (let i = 0; i < 6; i += 1) await consume(client.userId, 1, `ref-${i}`);
    const seen: Entry[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const requestId = newRequestId("credits-page");
      const next: Page = await page(client, `?limit=3${cursor === null ? "" : `&cursor=${cursor}`}`, requestId);
      expect(await roundTrips(requestId)).toBe(1);
      seen.push(...next.data);
      cursor = next.next_cursor;
      pages += 1;
    } while (cursor !== null);
    expect(pages).toBe(3); // 8 entries: 3 + 3 + 2
    expect(seen.map((entry) => entry.reference)).toEqual(["ref-5", "ref-4", "ref-3", "ref-2", "ref-1", "ref-0", expect.any(String), "signup"]);
    expect(new Set(seen.map((entry) => entry.id)).size).toBe(8);
    expect(seen.map((entry) => entry.balance_after)).toEqual([19, 20, 21, 22, 23, 24, 25, 5]);
  });

  it("never shows another user's credits", async () => {
    const mine = await newClient();
    const other = await newClient();
    await grantLot(other.userId, { kind: "purchased", amount: 50 });
    await consume(other.userId, 7);
    const history = await page(mine);
    expect(history.data.map((entry) => entry.kind)).toEqual(["grant"]);
    expect((await expectData<Balance>(await mine.request("GET", "/credits"))).total).toBe(5);
    // The other user's cursor only moves a position within the caller's own rows.
    const theirs = await page(other, "?limit=1");
    const crossed = await page(mine, `?cursor=${theirs.next_cursor ?? ""}`);
    expect(crossed.data.every((entry) => entry.reference === "signup")).toBe(true);
  });

  it("is 401 without a token", async () => {
    const response = await call("/api/v1/credits/history", { invalid: true });
    expect(response.status).toBe(401);
  });

  it("property: any bad query is 400 VALIDATION_ERROR – never 500", async () => {
    const client = await newClient();
    const bad = fc.oneof(
      fc.record({ limit: fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: 101 }), fc.constantFrom("x", "1.5", "1e309", "")).map(String) }),
      fc.record({ cursor: fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), fc.base64String({ minLength: 4, maxLength: 120 }), fc.constantFrom("eyJzIjotMX0", "eyJzIjoiMSJ9", "e30")) }),
      fc.record({ [`unknown_${"param"}`]: fc.string({ maxLength: 20 }) }),
    );
    await fc.assert(
      fc.asyncProperty(bad, async (input) => {
        const query = new URLSearchParams(input).toString();
        const response = await client.request("GET", `/credits/history?${query}`, { invalid: true });
        const error = await errorOf(response);
        expect([response.status, error.code], query).toEqual([400, "VALIDATION_ERROR"]);
      }),
      { numRuns: 40 },
    );
  });
});
