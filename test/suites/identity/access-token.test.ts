import { SignJWT, createLocalJWKSet, exportSPKI, importPKCS8, jwtVerify, type JSONWebKeySet } from "jose";
import { inject } from "vitest";
import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";
import { authHeaders, signIn, signTestAccessToken } from "../../support/auth";

/** `invalid`: no bearer credentials, on purpose (the conformance layer then checks only the response). */
async function me(headers: Record<string, string>, requestId = newRequestId("me"), invalid = false) {
  return call("/api/v1/users/me", { headers, requestId, invalid });
}

async function expectRejected(response: Response, code: "UNAUTHORIZED" | "TOKEN_EXPIRED") {
  expect(response.status).toBe(401);
  expect(((await response.json()) as { error: { code: string } }).error.code).toBe(code);
  expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
}

const b64url = (value: unknown) => btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

describe("auth middleware (docs/identity.md)", () => {
  it("accepts our access token with no database round trip for the token: GET /users/me is 1 round trip", async () => {
    const { accessToken, user } = await signIn();
    const requestId = newRequestId("me");
    const response = await me(authHeaders(accessToken), requestId);
    expect(response.status).toBe(200);
    expect(((await response.json()) as { data: { id: string } }).data.id).toBe(user.id);
    expect(await roundTrips(requestId)).toBe(1);
  });

  it("missing header, another scheme or garbage → 401 UNAUTHORIZED", async () => {
    await expectRejected(await me({}, newRequestId("me"), true), "UNAUTHORIZED");
    await expectRejected(await me({ Authorization: "Basic dXNlcjpwYXNz" }, newRequestId("me"), true), "UNAUTHORIZED");
    await expectRejected(await me({ Authorization: "Bearer not-a-token" }), "UNAUTHORIZED");
  });

  it("an expired access token → 401 TOKEN_EXPIRED (time moved with X-Test-Now)", async () => {
    const { accessToken } = await signIn();
    const in16Minutes = new Date(Date.now() + 16 * 60 * 1000).toISOString();
    await expectRejected(await me({ ...authHeaders(accessToken), "X-Test-Now": in16Minutes }), "TOKEN_EXPIRED");
  });

  it("alg none → 401 UNAUTHORIZED", async () => {
    const { user } = await signIn();
    const token = `${b64url({ alg: "none", kid: inject("jwtKeyId"), typ: "JWT" })}.${b64url({ sub: user.id, sid: crypto.randomUUID(), tier: "pro", iss: "perpetua-flow", aud: "perpetua-flow-api", iat: 1, exp: 4102444800, jti: "x" })}.`;
    await expectRejected(await me(authHeaders(token)), "UNAUTHORIZED");
  });

  it("HS256 signed with our public key as the secret → 401 UNAUTHORIZED", async () => {
    const { user } = await signIn();
    const publicPem = await exportSPKI(await importPKCS8(inject("jwtPrivateKey"), "RS256", { extractable: true }).then(toPublic));
    const now = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ sid: crypto.randomUUID(), tier: "pro" })
      .setProtectedHeader({ alg: "HS256", kid: inject("jwtKeyId") })
      .setSubject(user.id)
      .setIssuer("perpetua-flow")
      .setAudience("perpetua-flow-api")
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .setJti(crypto.randomUUID())
      .sign(new TextEncoder().encode(publicPem));
    await expectRejected(await me(authHeaders(token)), "UNAUTHORIZED");
  });

  it.each([
    ["a foreign kid", { kid: "someone-elses-key" }],
    ["a wrong issuer", { issuer: "https://evil.example" }],
    ["a wrong audience", { audience: "another-api" }],
    ["a tier we do not have", { tier: "admin" }],
  ])("%s → 401 UNAUTHORIZED", async (_label, overrides) => {
    const { user } = await signIn();
    await expectRejected(await me(authHeaders(await signTestAccessToken({ sub: user.id, ...overrides }))), "UNAUTHORIZED");
  });

  it("a tampered payload → 401 UNAUTHORIZED, even when the forged claims say it is expired", async () => {
    const { accessToken } = await signIn();
    const [header, , signature] = accessToken.split(".");
    const forged = `${header}.${b64url({ sub: crypto.randomUUID(), sid: crypto.randomUUID(), tier: "pro", iss: "perpetua-flow", aud: "perpetua-flow-api", iat: 1, exp: 2, jti: "x" })}.${signature}`;
    await expectRejected(await me(authHeaders(forged)), "UNAUTHORIZED");
  });

  it("tokens of the previous (rotated-out) key are still accepted until they expire", async () => {
    const { user } = await signIn();
    const token = await signTestAccessToken({ sub: user.id, key: "previous" });
    expect((await me(authHeaders(token))).status).toBe(200);
  });

  it("public operations and unknown routes need no token", async () => {
    expect((await call("/api/v1/health/live")).status).toBe(200);
    expect((await call("/api/v1/no-such-thing", { invalid: true })).status).toBe(404);
    expect((await call("/api/v1/users/me", { method: "DELETE", invalid: true })).status).toBe(405);
  });
});

describe("GET /.well-known/jwks.json", () => {
  it("publishes the current and the previous public key, and verifies our access tokens with jose", async () => {
    const response = await call("/.well-known/jwks.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("Cache-Control")).toContain("max-age=");
    const jwks = (await response.json()) as JSONWebKeySet;
    expect(jwks.keys.map((key) => key.kid)).toEqual([inject("jwtKeyId"), inject("jwtPreviousKeyId")]);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "e", "kid", "kty", "n", "use"]);
      expect(key).toMatchObject({ kty: "RSA", alg: "RS256", use: "sig" });
    }
    const { accessToken, user } = await signIn();
    const { payload, protectedHeader } = await jwtVerify(accessToken, createLocalJWKSet(jwks), {
      algorithms: ["RS256"],
      issuer: "perpetua-flow",
      audience: "perpetua-flow-api",
    });
    expect(protectedHeader).toMatchObject({ alg: "RS256", kid: inject("jwtKeyId") });
    expect(payload).toMatchObject({ sub: user.id, tier: "free" });
    expect(typeof payload.sid).toBe("string");
    expect(typeof payload.jti).toBe("string");
    expect((payload.exp ?? 0) - (payload.iat ?? 0)).toBe(900);
  });
});

async function toPublic(privateKey: CryptoKey): Promise<CryptoKey> {
  const jwk = (await crypto.subtle.exportKey("jwk", privateKey)) as JsonWebKey;
  return crypto.subtle.importKey("jwk", { kty: jwk.kty, n: jwk.n, e: jwk.e }, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
}
