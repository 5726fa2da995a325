import { describe, expect, it } from "vitest";
import { createProbeApp, probe } from "../../support/probe-app";
import { googleIssuerControl, mintIdToken, newGoogleTenant, randomIp } from "../../support/auth";

/**
 * docs/identity.md JWKS caching, each test against its own fake issuer tenant (own keys, own fetch counter) through
 * an app whose GOOGLE_JWKS_URL points there. Time moves with X-Test-Now, never by sleeping.
 */
const app = createProbeApp();
const HOUR = 3600;

async function signInAt(tenant: { tenant: string; jwksUrl: string }, at: Date, mint: Parameters<typeof mintIdToken>[0] = {}) {
  const seconds = Math.floor(at.getTime() / 1000);
  const idToken = await mintIdToken({ tenant: tenant.tenant, ...mint, claims: { iat: seconds, exp: seconds + HOUR, ...mint.claims } });
  return probe(app, "/api/v1/auth/google", {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": randomIp(), "X-Test-Now": at.toISOString() },
    body: JSON.stringify({ id_token: idToken }),
    env: { GOOGLE_JWKS_URL: tenant.jwksUrl },
  });
}

const later = (start: Date, seconds: number) => new Date(start.getTime() + seconds * 1000);

describe("Google JWKS cache", () => {
  it("fetches the keys once for many sign-ins, also when they arrive at the same moment", async () => {
    const tenant = await newGoogleTenant();
    const t0 = new Date();
    const parallel = await Promise.all(Array.from({ length: 6 }, () => signInAt(tenant, t0)));
    expect(parallel.map((r) => r.status)).toEqual(Array(6).fill(200));
    for (let i = 1; i <= 3; i++) expect((await signInAt(tenant, later(t0, i * 60))).status).toBe(200);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(1);
  });

  it("honours Cache-Control max-age: fresh until it passes, then fetched again", async () => {
    const tenant = await newGoogleTenant({ maxAge: 120 });
    const t0 = new Date();
    expect((await signInAt(tenant, t0)).status).toBe(200);
    expect((await signInAt(tenant, later(t0, 119))).status).toBe(200);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(1);
    expect((await signInAt(tenant, later(t0, 121))).status).toBe(200);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(2);
  });

  it("keeps keys for 24 h when Google sends no Cache-Control", async () => {
    const tenant = await newGoogleTenant({ maxAge: null });
    const t0 = new Date();
    expect((await signInAt(tenant, t0)).status).toBe(200);
    expect((await signInAt(tenant, later(t0, 23 * HOUR))).status).toBe(200);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(1);
    expect((await signInAt(tenant, later(t0, 24 * HOUR + 1))).status).toBe(200);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(2);
  });

  it("refetches once on an unknown kid (Google rotated), with a cooldown against made-up kids", async () => {
    const tenant = await newGoogleTenant();
    const t0 = new Date();
    expect((await signInAt(tenant, t0)).status).toBe(200);
    await googleIssuerControl.rotate(tenant.tenant);
    // Signed with the new key, which our cached copy does not have yet.
    expect((await signInAt(tenant, later(t0, 1))).status).toBe(200);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(2);

    // A kid Google never published: no second refetch within the cooldown…
    const unknown = await signInAt(tenant, later(t0, 2), { key: "unpublished" });
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("OAUTH_VERIFICATION_FAILED");
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(2);
    // …one after it, and still refused.
    expect((await signInAt(tenant, later(t0, 40), { key: "unpublished" })).status).toBe(401);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(3);
  });

  it("serves sign-ins from the stale keys while Google is unreachable", async () => {
    const tenant = await newGoogleTenant({ maxAge: 60 });
    const t0 = new Date();
    expect((await signInAt(tenant, t0)).status).toBe(200);
    await googleIssuerControl.fail(tenant.tenant);
    expect((await signInAt(tenant, later(t0, 300))).status).toBe(200);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(2); // tried, failed, used the stale keys
    // Backs off instead of asking a failing Google on every sign-in.
    expect((await signInAt(tenant, later(t0, 310))).status).toBe(200);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(2);
    await googleIssuerControl.fail(tenant.tenant, false);
    expect((await signInAt(tenant, later(t0, 400))).status).toBe(200);
    expect(await googleIssuerControl.fetches(tenant.tenant)).toBe(3);
  });

  it("answers 503 with Retry-After when Google is unreachable and no keys were ever fetched", async () => {
    const tenant = await newGoogleTenant();
    await googleIssuerControl.fail(tenant.tenant, true, 500);
    const response = await signInAt(tenant, new Date());
    expect(response.status).toBe(503);
    expect(response.headers.get("Retry-After")).toBe("5");
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("SERVICE_UNAVAILABLE");
  });
});
