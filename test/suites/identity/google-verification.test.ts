import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { mintIdToken, randomIp, testDb, type MintOptions } from "../../support/auth";

/** docs/identity.md: every way a Google ID token can be wrong answers 401 OAUTH_VERIFICATION_FAILED and creates nothing. */
const now = () => Math.floor(Date.now() / 1000);

async function signInWith(options: MintOptions) {
  const sub = `sub-${crypto.randomUUID()}`;
  const idToken = await mintIdToken({ ...options, claims: { sub, ...options.claims } });
  return { sub, response: await postToken(idToken) };
}

function postToken(idToken: string) {
  return call("/api/v1/auth/google", { method: "POST", headers: { "CF-Connecting-IP": randomIp() }, body: { id_token: idToken } });
}

async function userExists(sub: string): Promise<boolean> {
  const result = await testDb().execute<{ n: number }>(sql`select count(*)::int as n from users where google_sub = ${sub}`);
  return result.rows[0]?.n === 1;
}

const rejected: [string, MintOptions][] = [
  ["an issuer other than Google", { claims: { iss: "https://accounts.google.evil.example" } }],
  ["an audience that is not one of GOOGLE_CLIENT_IDS", { claims: { aud: "someone-else.apps.googleusercontent.com" } }],
  ["an expiry more than 300 s ago", { claims: { iat: now() - 4000, exp: now() - 301 - 30 } }],
  ["an iat more than 300 s in the future", { claims: { iat: now() + 400, exp: now() + 4000 } }],
  ["email_verified false", { claims: { email_verified: false } }],
  ["no email_verified claim", { claims: { email_verified: null } }],
  ["no email", { claims: { email: null } }],
  ["no exp", { claims: { exp: null } }],
  ["alg none", { alg: "none" }],
  ["HS256 keyed with Google's public key", { alg: "HS256" }],
  ["a kid Google does not publish", { header: { kid: "0123456789abcdef0123456789abcdef01234567" } }],
  ["a key Google never published", { key: "unpublished" }],
];

describe("Google ID token verification (docs/identity.md)", () => {
  it.each(rejected)("rejects %s with 401 OAUTH_VERIFICATION_FAILED", async (_label, options) => {
    const { sub, response } = await signInWith(options);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("OAUTH_VERIFICATION_FAILED");
    expect(await userExists(sub)).toBe(false);
  });

  it("rejects a token whose payload was altered after signing", async () => {
    const token = await mintIdToken();
    const [header, payload, signature] = token.split(".");
    const claims = JSON.parse(atob((payload ?? "").replace(/-/g, "+").replace(/_/g, "/"))) as Record<string, unknown>;
    const forged = btoa(JSON.stringify({ ...claims, email: "admin@example.com" })).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
    const response = await postToken(`${header}.${forged}.${signature}`);
    expect(response.status).toBe(401);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("OAUTH_VERIFICATION_FAILED");
  });

  it("rejects something that is not a JWT at all", async () => {
    const response = await postToken("not-a-jwt");
    expect(response.status).toBe(401);
  });

  it.each([
    ["the issuer without scheme", { claims: { iss: "accounts.google.com" } }],
    ["the second configured client id", { claims: { aud: "perpetua-ios.apps.googleusercontent.com" } }],
    ["an expiry within the 300 s skew", { claims: { iat: now() - 3800, exp: now() - 200 } }],
    ["an iat within the 300 s skew", { claims: { iat: now() + 200, exp: now() + 3800 } }],
    ['email_verified as the string "true"', { claims: { email_verified: "true" } }],
  ] as [string, MintOptions][])("accepts %s", async (_label, options) => {
    const { sub, response } = await signInWith(options);
    expect(response.status).toBe(200);
    expect(await userExists(sub)).toBe(true);
  });
});
