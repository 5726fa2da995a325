import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { injectFault } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";
import { authHeaders, randomIp, signIn, signTestAccessToken, testDb } from "../../support/auth";

/**
 * Reviewer's additions for issue 3 (docs/identity.md): edge cases the identity suites did not pin down –
 * RSA algorithms other than RS256 with our own key, the exact `exp` boundary, claim checks ordered before
 * expiry, the 10 s duplicate-refresh grace, refresh racing a new sign-in, logout scoped to its session,
 * the tier claim following the database, and no refresh token in the log of a failed (5xx) refresh.
 */
afterEach(() => vi.restoreAllMocks());

type ErrorBody = { error: { code: string } };
type PairBody = { data: { access_token: string; refresh_token: string } };

const claimsOf = (jwt: string) =>
  JSON.parse(atob((jwt.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;

function me(token: string, at?: Date) {
  return call("/api/v1/users/me", { headers: authHeaders(token, at ? { "X-Test-Now": at.toISOString() } : {}) });
}

function postRefresh(refreshToken: string, options: { at?: Date; requestId?: string } = {}) {
  return call("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "CF-Connecting-IP": randomIp(), ...(options.at ? { "X-Test-Now": options.at.toISOString() } : {}) },
    body: { refresh_token: refreshToken },
    requestId: options.requestId ?? newRequestId("review-refresh"),
  });
}

async function expectError(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(((await response.json()) as ErrorBody).error.code).toBe(code);
}

describe("access token verification edge cases", () => {
  it.each(["PS256", "RS512", "RS384"])("a token signed with OUR private key and kid but alg %s → 401 UNAUTHORIZED", async (alg) => {
    const { user } = await signIn();
    const token = await signTestAccessToken({ sub: user.id, alg });
    await expectError(await me(token), 401, "UNAUTHORIZED");
  });

  it("is valid up to the second before `exp` and TOKEN_EXPIRED from `exp` on (no skew for our own tokens)", async () => {
    const { user } = await signIn();
    const issuedAt = Math.floor(Date.now() / 1000);
    const expiresAt = issuedAt + 900;
    const token = await signTestAccessToken({ sub: user.id, issuedAt, expiresAt });
    expect((await me(token, new Date((expiresAt - 1) * 1000))).status).toBe(200);
    await expectError(await me(token, new Date(expiresAt * 1000)), 401, "TOKEN_EXPIRED");
  });

  it("an expired token that is ALSO wrong (issuer, audience, kid) is UNAUTHORIZED, never TOKEN_EXPIRED", async () => {
    const { user } = await signIn();
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = { sub: user.id, issuedAt: past, expiresAt: past + 900 };
    await expectError(await me(await signTestAccessToken({ ...expired, issuer: "https://evil.example" })), 401, "UNAUTHORIZED");
    await expectError(await me(await signTestAccessToken({ ...expired, audience: "another-api" })), 401, "UNAUTHORIZED");
    await expectError(await me(await signTestAccessToken({ ...expired, kid: "someone-elses-key" })), 401, "UNAUTHORIZED");
    // Control: the same expired token, otherwise correct, is TOKEN_EXPIRED.
    await expectError(await me(await signTestAccessToken(expired)), 401, "TOKEN_EXPIRED");
  });

  it("the tier claim follows the database at the next refresh", async () => {
    const session = await signIn();
    expect(claimsOf(session.accessToken).tier).toBe("free");
    await testDb().execute(sql`update users set tier = 'pro' where id = ${session.user.id}`);
    const response = await postRefresh(session.refreshToken);
    expect(response.status).toBe(200);
    const { data } = (await response.json()) as PairBody;
    expect(claimsOf(data.access_token)).toMatchObject({ sub: session.user.id, tier: "pro", sid: claimsOf(session.accessToken).sid });
  });
});

describe("refresh rotation edge cases", () => {
  it("a rotated token presented again within the 10 s grace is 401 UNAUTHORIZED and does NOT end the session", async () => {
    const session = await signIn();
    const first = await postRefresh(session.refreshToken);
    expect(first.status).toBe(200);
    const { data } = (await first.json()) as PairBody;
    await expectError(await postRefresh(session.refreshToken, { at: new Date(Date.now() + 5_000) }), 401, "UNAUTHORIZED");
    const live = await testDb().execute<{ revoked_reason: string | null }>(
      sql`select revoked_reason from auth_sessions where user_id = ${session.user.id}`,
    );
    expect(live.rows).toEqual([{ revoked_reason: null }]);
    expect((await postRefresh(data.refresh_token, { at: new Date(Date.now() + 6_000) })).status).toBe(200);
  });

  it("refreshes racing a new sign-in of the same user: only the new sign-in's session survives", async () => {
    const first = await signIn();
    const [a, b, second] = await Promise.all([
      postRefresh(first.refreshToken),
      postRefresh(first.refreshToken),
      signIn({ sub: first.googleSub, email: first.user.email }),
    ]);
    // Whatever order the database applied them in, a pair issued to the old session must be dead now.
    for (const response of [a, b]) {
      if (response.status !== 200) continue;
      const { data } = (await response.json()) as PairBody;
      expect((await postRefresh(data.refresh_token)).status).toBe(401);
    }
    const state = await testDb().execute<{ live_sessions: number; live_session: string | null }>(sql`
      select
        (select count(*)::int from auth_sessions where user_id = ${first.user.id} and revoked_at is null) as live_sessions,
        (select id::text from auth_sessions where user_id = ${first.user.id} and revoked_at is null) as live_session`);
    expect(state.rows[0]).toMatchObject({ live_sessions: 1, live_session: claimsOf(second.accessToken).sid });
    expect((await postRefresh(second.refreshToken)).status).toBe(200);
  });
});

describe("logout is scoped to its session", () => {
  it("logging out with an old session's access token leaves the user's current session alone", async () => {
    const first = await signIn();
    const second = await signIn({ sub: first.googleSub, email: first.user.email });
    const response = await call("/api/v1/auth/logout", { method: "POST", headers: { "CF-Connecting-IP": randomIp(), ...authHeaders(first.accessToken) } });
    expect(response.status).toBe(204);
    expect((await postRefresh(second.refreshToken)).status).toBe(200);
  });

  it("an access token of another user's session cannot name a session it does not own", async () => {
    const victim = await signIn();
    const attacker = await signIn();
    // A validly signed token for the attacker's user id, carrying the victim's session id.
    const forged = await signTestAccessToken({ sub: attacker.user.id, sid: claimsOf(victim.accessToken).sid as string });
    const response = await call("/api/v1/auth/logout", { method: "POST", headers: { "CF-Connecting-IP": randomIp(), ...authHeaders(forged) } });
    expect(response.status).toBe(401);
    expect((await postRefresh(victim.refreshToken)).status).toBe(200);
  });
});

describe("secrets in logs on a failing request", () => {
  it("a refresh that fails inside the database (5xx) logs neither the presented refresh token nor a new one", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : arg instanceof Error ? `${arg.message} ${arg.stack ?? ""}` : JSON.stringify(arg))).join(" "));
    };
    const session = await signIn();
    for (const method of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, method).mockImplementation(capture);
    const requestId = newRequestId("review-refresh-fault");
    await injectFault({ mode: "error", request_id: requestId, times: 1 });
    const response = await postRefresh(session.refreshToken, { requestId });
    expect(response.status).toBeGreaterThanOrEqual(500);
    const text = lines.join("\n");
    expect(text).toContain(requestId);
    expect(text).not.toContain(session.refreshToken);
    expect(text).not.toContain(session.refreshToken.slice(0, 20));
    // The failed attempt left no partial state: the token was not rotated and still works.
    expect((await postRefresh(session.refreshToken)).status).toBe(200);
  });
});
