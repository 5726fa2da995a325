import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { authHeaders, mintIdToken, randomIp, signIn, signTestAccessToken, testDb } from "../../support/auth";
import { errorOf, newClient } from "../../support/factories";
import { call } from "../../support/requests";

/** Hardening items 5 (NUL bytes never reach PostgreSQL) and 6 (access tokens from the future). */
describe("NUL bytes are refused at the validation layer (hardening item 5)", () => {
  it.each(["%00", "a%00b", "work%00"])("DELETE /tags/%s answers 400 VALIDATION_ERROR naming the parameter", async (name) => {
    const client = await newClient();
    const response = await client.request("DELETE", `/tags/${name}`, { invalid: true });
    const error = await errorOf(response);
    expect(error.status).toBe(400);
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(error.details).toEqual([{ field: "param.name", reason: "No NUL characters." }]);
  });

  it.each(["email", "name", "picture", "sub"])(
    "a correctly signed Google ID token whose %s contains U+0000 is 401 OAUTH_VERIFICATION_FAILED and creates nothing",
    async (claim) => {
      const sub = `sub-${crypto.randomUUID()}`;
      const claims: Record<string, unknown> = { sub, email: `${sub}@example.com`, name: "Ada", picture: "https://example.com/a.png" };
      const value = claims[claim];
      claims[claim] = claim === "email" ? `a\u0000${String(value)}` : `${String(value)}\u0000x`;
      const idToken = await mintIdToken({ claims });
      const response = await call("/api/v1/auth/google", {
        method: "POST",
        headers: { "CF-Connecting-IP": randomIp() },
        body: { id_token: idToken },
      });
      const error = await errorOf(response);
      expect(error.status).toBe(401);
      expect(error.code).toBe("OAUTH_VERIFICATION_FAILED");
      const rows = await testDb().execute<{ n: number }>(sql`select count(*)::int as n from users where google_sub like ${`${sub}%`}`);
      expect(rows.rows[0]?.n).toBe(0);
    },
  );
});

describe("access tokens issued in the future (hardening item 6)", () => {
  const now = () => Math.floor(Date.now() / 1000);

  it("an access token with iat 10 minutes ahead is 401 UNAUTHORIZED with WWW-Authenticate", async () => {
    const { user } = await signIn();
    const token = await signTestAccessToken({ sub: user.id, issuedAt: now() + 600, expiresAt: now() + 1500 });
    const response = await call("/api/v1/users/me", { headers: authHeaders(token) });
    expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer .*error="invalid_token"/);
    const error = await errorOf(response);
    expect(error.status).toBe(401);
    expect(error.code).toBe("UNAUTHORIZED");
  });

  it("an iat within the clock skew (30 s ahead) is still accepted", async () => {
    const { user } = await signIn();
    const token = await signTestAccessToken({ sub: user.id, issuedAt: now() + 30, expiresAt: now() + 900 });
    const response = await call("/api/v1/users/me", { headers: authHeaders(token) });
    expect(response.status).toBe(200);
  });
});
