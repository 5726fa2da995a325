import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";
import { authHeaders, mintIdToken, randomIp, refresh, signIn, testDb } from "../../support/auth";

interface SignInBody {
  data: {
    access_token: string;
    refresh_token: string;
    token_type: string;
    expires_in: number;
    is_new_user: boolean;
    user: { id: string; email: string; name: string; avatar_url: string | null; timezone: string; tier: string; version: number };
  };
}

/** `invalid`: the request breaks the OpenAPI document on purpose (only the response is checked). */
async function postGoogle(idToken: string, extra: Record<string, unknown> = {}, requestId = newRequestId("google"), invalid = false) {
  return call("/api/v1/auth/google", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { id_token: idToken, ...extra }, requestId, invalid });
}

async function rows<T extends Record<string, unknown>>(query: ReturnType<typeof sql>): Promise<T[]> {
  return (await testDb().execute<T>(query)).rows;
}

describe("POST /auth/google – first sign-in (docs/identity.md, docs/credits.md)", () => {
  it("creates the user (free, timezone given), grants the kickstart credits once, and returns our token pair", async () => {
    const sub = `sub-${crypto.randomUUID()}`;
    const requestId = newRequestId("first");
    const idToken = await mintIdToken({ claims: { sub, email: "ada@example.com", name: "  Ada   Lovelace ", picture: "https://lh3.example/a.png" } });
    const response = await postGoogle(idToken, { timezone: "europe/berlin" }, requestId);
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const { data } = (await response.json()) as SignInBody;
    expect(data).toMatchObject({ token_type: "Bearer", expires_in: 900, is_new_user: true });
    expect(data.user).toMatchObject({ email: "ada@example.com", name: "Ada Lovelace", avatar_url: "https://lh3.example/a.png", timezone: "Europe/Berlin", tier: "free", version: 1 });
    expect(data.refresh_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);

    const [lot] = await rows<{ kind: string; amount: number; remaining: number; expires_at: string | null; source: string }>(
      sql`select kind, amount, remaining, expires_at, source from credit_lots where user_id = ${data.user.id}`,
    );
    expect(lot).toEqual({ kind: "kickstart", amount: 5, remaining: 5, expires_at: null, source: "signup" });
    const ledger = await rows<{ kind: string; amount: number; balance_after: number; reason: string }>(
      sql`select kind, amount, balance_after, reason from credit_ledger where user_id = ${data.user.id}`,
    );
    expect(ledger).toEqual([{ kind: "grant", amount: 5, balance_after: 5, reason: "kickstart" }]);

    // Refresh tokens are stored only as their SHA-256.
    const stored = await rows<{ token_hash: string }>(sql`select token_hash from refresh_tokens where user_id = ${data.user.id}`);
    expect(stored).toHaveLength(1);
    expect(stored[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(stored[0]?.token_hash).not.toContain(data.refresh_token);

    expect(await roundTrips(requestId)).toBe(1);
    const me = await call("/api/v1/users/me", { headers: authHeaders(data.access_token) });
    expect(me.status).toBe(200);
  });

  it("defaults the timezone to UTC and answers 400 for an invalid IANA zone", async () => {
    const created = await signIn();
    expect(created.user.timezone).toBe("UTC");
    // A zone the IANA database lacks: beyond JSON Schema, so invalid on purpose.
    const bad = await postGoogle(await mintIdToken(), { timezone: "Mars/Olympus_Mons" }, newRequestId("google"), true);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string; details: { field: string }[] } }).error).toMatchObject({
      code: "VALIDATION_ERROR",
      details: [{ field: "timezone" }],
    });
  });

  it("rejects unknown fields and a missing id_token with 400", async () => {
    expect((await postGoogle(await mintIdToken(), { remember_me: true }, newRequestId("google"), true)).status).toBe(400);
    const response = await call("/api/v1/auth/google", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: {}, invalid: true });
    expect(response.status).toBe(400);
  });
});

describe("POST /auth/google – returning user", () => {
  it("updates name and avatar, keeps timezone, bumps version, is_new_user false, no second kickstart", async () => {
    const first = await signIn({ name: "Grace", picture: "https://lh3.example/old.png", timezone: "Asia/Tokyo" });
    const requestId = newRequestId("returning");
    const again = await postGoogle(
      await mintIdToken({ claims: { sub: first.googleSub, email: first.user.email, name: "Grace Hopper", picture: "https://lh3.example/new.png" } }),
      { timezone: "Europe/Paris" },
      requestId,
    );
    expect(again.status).toBe(200);
    const { data } = (await again.json()) as SignInBody;
    expect(data.is_new_user).toBe(false);
    expect(data.user).toMatchObject({ id: first.user.id, name: "Grace Hopper", avatar_url: "https://lh3.example/new.png", timezone: "Asia/Tokyo", version: 2 });
    expect(await roundTrips(requestId)).toBe(1);
    const lots = await rows<{ n: number }>(sql`select count(*)::int as n from credit_lots where user_id = ${first.user.id}`);
    expect(lots[0]?.n).toBe(1);

    // Same profile again: nothing changed, so the version stays.
    const third = await signIn({ sub: first.googleSub, email: first.user.email, name: "Grace Hopper", picture: "https://lh3.example/new.png" });
    expect(third.user.version).toBe(2);
  });

  it("a second sign-in revokes the first session: its refresh token dies, one session stays live", async () => {
    const first = await signIn();
    const second = await signIn({ sub: first.googleSub, email: first.user.email });
    const stale = await call("/api/v1/auth/refresh", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { refresh_token: first.refreshToken } });
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as { error: { code: string } }).error.code).toBe("UNAUTHORIZED");
    await expect(refresh(second.refreshToken)).resolves.toBeDefined();
    const sessions = await rows<{ revoked_reason: string | null }>(
      sql`select revoked_reason from auth_sessions where user_id = ${first.user.id} order by created_at`,
    );
    expect(sessions.map((s) => s.revoked_reason)).toEqual(["new_sign_in", null]);
  });
});

describe("concurrent first sign-ins of one Google account", () => {
  it("create one user, one kickstart grant and leave exactly one live session", async () => {
    const sub = `sub-${crypto.randomUUID()}`;
    const tokens = await Promise.all(Array.from({ length: 8 }, () => mintIdToken({ claims: { sub } })));
    const responses = await Promise.all(tokens.map((token) => postGoogle(token)));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as SignInBody[];
    expect(new Set(bodies.map((b) => b.data.user.id)).size).toBe(1);
    expect(bodies.filter((b) => b.data.is_new_user)).toHaveLength(1);
    const userId = bodies[0]?.data.user.id;
    const [counts] = await rows<{ users: number; lots: number; entries: number; live: number }>(sql`
      select (select count(*)::int from users where google_sub = ${sub}) as users,
             (select count(*)::int from credit_lots where user_id = ${userId}) as lots,
             (select count(*)::int from credit_ledger where user_id = ${userId}) as entries,
             (select count(*)::int from auth_sessions where user_id = ${userId} and revoked_at is null) as live`);
    expect(counts).toEqual({ users: 1, lots: 1, entries: 1, live: 1 });
  });
});
