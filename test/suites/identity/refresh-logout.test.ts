import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";
import { authHeaders, randomIp, signIn, testDb } from "../../support/auth";

interface Pair {
  access_token: string;
  refresh_token: string;
  token_type: string;
  expires_in: number;
}

function postRefresh(refreshToken: string, options: { at?: Date; requestId?: string } = {}) {
  return call("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "CF-Connecting-IP": randomIp(), ...(options.at ? { "X-Test-Now": options.at.toISOString() } : {}) },
    body: { refresh_token: refreshToken },
    requestId: options.requestId ?? newRequestId("refresh"),
  });
}

async function errorCode(response: Response): Promise<string> {
  return ((await response.json()) as { error: { code: string } }).error.code;
}

const seconds = (n: number) => new Date(Date.now() + n * 1000);

describe("POST /auth/refresh – rotation (docs/identity.md)", () => {
  it("returns a new pair in the same session and revokes the presented token, in ≤ 2 round trips", async () => {
    const session = await signIn();
    const requestId = newRequestId("rotate");
    const response = await postRefresh(session.refreshToken, { requestId });
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toBe("no-store");
    const { data } = (await response.json()) as { data: Pair };
    expect(data).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    expect(data.refresh_token).not.toBe(session.refreshToken);
    expect(await roundTrips(requestId)).toBe(1);

    const sid = (token: string) => (JSON.parse(atob((token.split(".")[1] ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as { sid: string }).sid;
    expect(sid(data.access_token)).toBe(sid(session.accessToken));
    expect((await call("/api/v1/users/me", { headers: authHeaders(data.access_token) })).status).toBe(200);

    const tokens = await testDb().execute<{ revoked: boolean; replaced: boolean }>(sql`
      select revoked_at is not null as revoked, replaced_by is not null as replaced
      from refresh_tokens where user_id = ${session.user.id} order by created_at`);
    expect(tokens.rows).toEqual([{ revoked: true, replaced: true }, { revoked: false, replaced: false }]);
  });

  it("expired or unknown refresh tokens are 401 UNAUTHORIZED", async () => {
    const session = await signIn();
    const expired = await postRefresh(session.refreshToken, { at: seconds(7 * 24 * 3600 + 60) });
    expect(expired.status).toBe(401);
    expect(await errorCode(expired)).toBe("UNAUTHORIZED");
    const unknown = await postRefresh("A".repeat(43));
    expect(unknown.status).toBe(401);
    expect(await errorCode(unknown)).toBe("UNAUTHORIZED");
    // The expired attempt did not end the session: the token still works today.
    expect((await postRefresh(session.refreshToken)).status).toBe(200);
  });
});

describe("reuse detection", () => {
  it("a rotated token presented again revokes the whole session → 401 REFRESH_TOKEN_REUSED, the new pair dies too", async () => {
    const session = await signIn();
    const rotated = (await (await postRefresh(session.refreshToken)).json()) as { data: Pair };
    // Outside the 10 s grace for benign duplicates: this is reuse.
    const reuse = await postRefresh(session.refreshToken, { at: seconds(30) });
    expect(reuse.status).toBe(401);
    expect(await errorCode(reuse)).toBe("REFRESH_TOKEN_REUSED");
    const successor = await postRefresh(rotated.data.refresh_token, { at: seconds(31) });
    expect(successor.status).toBe(401);
    expect(await errorCode(successor)).toBe("UNAUTHORIZED");
    const state = await testDb().execute<{ reason: string; live_tokens: number }>(sql`
      select s.revoked_reason as reason,
        (select count(*)::int from refresh_tokens t where t.session_id = s.id and t.revoked_at is null) as live_tokens
      from auth_sessions s where s.user_id = ${session.user.id}`);
    expect(state.rows).toEqual([{ reason: "refresh_token_reused", live_tokens: 0 }]);
  });

  it("two refreshes in parallel with one token → exactly one new pair, and the session survives", async () => {
    const session = await signIn();
    const responses = await Promise.all(Array.from({ length: 5 }, () => postRefresh(session.refreshToken)));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 401, 401, 401, 401]);
    const winner = responses.find((r) => r.status === 200);
    const { data } = (await winner?.json()) as { data: Pair };
    for (const loser of responses.filter((r) => r.status === 401)) expect(await errorCode(loser)).toBe("UNAUTHORIZED");
    const live = await testDb().execute<{ n: number }>(sql`
      select count(*)::int as n from refresh_tokens where user_id = ${session.user.id} and revoked_at is null`);
    expect(live.rows[0]?.n).toBe(1);
    // The winner's pair keeps working: a client racing itself is not logged out.
    expect((await postRefresh(data.refresh_token)).status).toBe(200);
  });
});

describe("POST /auth/logout", () => {
  it("with the refresh token: revokes the session and its refresh tokens; repeating it still succeeds", async () => {
    const session = await signIn();
    const response = await call("/api/v1/auth/logout", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { refresh_token: session.refreshToken } });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
    const after = await postRefresh(session.refreshToken);
    expect(after.status).toBe(401);
    expect(await errorCode(after)).toBe("UNAUTHORIZED");
    const again = await call("/api/v1/auth/logout", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { refresh_token: session.refreshToken } });
    expect(again.status).toBe(204);
    const sessions = await testDb().execute<{ reason: string }>(sql`select revoked_reason as reason from auth_sessions where user_id = ${session.user.id}`);
    expect(sessions.rows).toEqual([{ reason: "logout" }]);
  });

  it("with the access token: revokes that session", async () => {
    const session = await signIn();
    const response = await call("/api/v1/auth/logout", { method: "POST", headers: { "CF-Connecting-IP": randomIp(), ...authHeaders(session.accessToken) } });
    expect(response.status).toBe(204);
    expect((await postRefresh(session.refreshToken)).status).toBe(401);
  });

  it("without any credential, or with an unknown refresh token: 401", async () => {
    expect((await call("/api/v1/auth/logout", { method: "POST", headers: { "CF-Connecting-IP": randomIp() } })).status).toBe(401);
    const unknown = await call("/api/v1/auth/logout", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { refresh_token: "B".repeat(43) } });
    expect(unknown.status).toBe(401);
  });
});
