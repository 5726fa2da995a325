import { afterEach, describe, expect, it, vi } from "vitest";
import { call } from "../../support/requests";
import { authHeaders, mintIdToken, randomIp } from "../../support/auth";

afterEach(() => vi.restoreAllMocks());

/** docs/operations.md: no token, ID token or refresh token in any log line – of successes and of failures. */
describe("log lines carry no secrets", () => {
  it("sign-in, refresh, reuse, logout and authenticated calls log none of the token strings", async () => {
    const lines: string[] = [];
    const capture = (...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === "string" ? arg : JSON.stringify(arg))).join(" "));
    };
    for (const method of ["log", "info", "warn", "error", "debug"] as const) vi.spyOn(console, method).mockImplementation(capture);

    const idToken = await mintIdToken();
    const signIn = await call("/api/v1/auth/google", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { id_token: idToken } });
    const first = ((await signIn.json()) as { data: { access_token: string; refresh_token: string } }).data;
    const refreshed = await call("/api/v1/auth/refresh", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { refresh_token: first.refresh_token } });
    const second = ((await refreshed.json()) as { data: { access_token: string; refresh_token: string } }).data;
    await call("/api/v1/users/me", { headers: authHeaders(second.access_token) });
    // Failures too: a reused token, a rejected Google token, an expired access token.
    await call("/api/v1/auth/refresh", {
      method: "POST",
      headers: { "CF-Connecting-IP": randomIp(), "X-Test-Now": new Date(Date.now() + 60_000).toISOString() },
      body: { refresh_token: first.refresh_token },
    });
    const badIdToken = await mintIdToken({ claims: { aud: "someone-else" } });
    await call("/api/v1/auth/google", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { id_token: badIdToken } });
    await call("/api/v1/users/me", { headers: { ...authHeaders(first.access_token), "X-Test-Now": new Date(Date.now() + 3_600_000).toISOString() } });
    await call("/api/v1/auth/logout", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { refresh_token: second.refresh_token } });

    expect(lines.length).toBeGreaterThanOrEqual(7);
    const text = lines.join("\n");
    const secrets = [idToken, badIdToken, first.access_token, first.refresh_token, second.access_token, second.refresh_token];
    for (const secret of secrets) {
      expect(secret.length).toBeGreaterThan(40);
      expect(text).not.toContain(secret);
      // Not even a recognisable piece of one (the signature part of a JWT, or half a refresh token).
      expect(text).not.toContain(secret.split(".").at(-1)?.slice(0, 20) ?? secret.slice(0, 20));
    }
    expect(text).toContain('"route":"/api/v1/auth/google"');
    expect(text).toContain("rejected: ERR_JWT_CLAIM_VALIDATION_FAILED");
  });
});
