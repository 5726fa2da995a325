import type { UserView } from "../../src/services/users/user-view";
import { sql } from "drizzle-orm";
import { mintAccessToken } from "../../scripts/lib/mint-access-token";
import { inject } from "vitest";
import { createDb, newDbTrace } from "../../src/db/client";
import { databaseUrl, neonEndpoint } from "./env";
import { call, newRequestId } from "./requests";

/**
 * The identity harness other suites build on (STYLE §9 "a harness creates users and signs tokens"): users
 * are created through the real `POST /auth/google` with ID tokens from the fake Google issuer
 * (test/fakes/node/google-issuer.ts), so every test user went through the real sign-in.
 *
 *   const { accessToken, user } = await signIn();                 // a fresh free user
 *   const pro = await signIn({ tier: "pro" });                    // tier set in the database, token refreshed
 *   await call("/api/v1/users/me", { headers: authHeaders(pro.accessToken) });
 */
export const GOOGLE_CLIENT_ID = "perpetua-test.apps.googleusercontent.com";

export interface SignedIn {
  accessToken: string;
  refreshToken: string;
  user: TestUser;
  isNewUser: boolean;
  /** The Google `sub` of the account, to sign the same person in again. */
  googleSub: string;
}

/** The user as the API answers it (the services' own view type). */
export type TestUser = UserView;

export interface MintOptions {
  /** Claims over the defaults of a valid Google ID token; `null` removes a claim. */
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  /** "unpublished": a key with the current kid's shape that Google's JWKS does not contain. */
  key?: "current" | "unpublished";
  alg?: string;
  hs256_secret?: string;
  /** Fake issuer tenant (see `newGoogleTenant`); default the one GOOGLE_JWKS_URL points at. */
  tenant?: string;
}

const issuer = (): string => inject("googleIssuer");

async function control<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(`${issuer()}/_control/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`google issuer ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

/** A Google ID token from the fake issuer. */
export async function mintIdToken(options: MintOptions = {}): Promise<string> {
  const { tenant = "default", ...request } = options;
  return (await control<{ id_token: string }>(`${tenant}/mint`, request)).id_token;
}

/** An independent fake issuer (own keys, own fetch counter); point GOOGLE_JWKS_URL at `jwksUrl` with a probe app. */
export async function newGoogleTenant(options: { maxAge?: number | null } = {}): Promise<{ tenant: string; jwksUrl: string }> {
  const created = await control<{ tenant: string; jwks_url: string }>("tenants", options.maxAge === undefined ? {} : { max_age: options.maxAge });
  return { tenant: created.tenant, jwksUrl: created.jwks_url };
}

export const googleIssuerControl = {
  rotate: (tenant: string, keepPrevious = true) => control<{ kid: string }>(`${tenant}/rotate`, { keep_previous: keepPrevious }),
  fail: (tenant: string, on = true, status = 503) => control(`${tenant}/fail`, { on, status }),
  async fetches(tenant: string): Promise<number> {
    const response = await fetch(`${issuer()}/_control/${tenant}/fetches`);
    return ((await response.json()) as { count: number }).count;
  },
};

/** A client IP of its own for each auth call, so the per-IP auth rate limit (docs/conventions.md#rate-limits) never interferes. */
export function randomIp(): string {
  return `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`;
}

export interface SignInOptions {
  email?: string;
  name?: string;
  picture?: string | null;
  /** Google `sub`; reuse one to sign the same account in again. */
  sub?: string;
  timezone?: string;
  tier?: "free" | "pro";
  requestId?: string;
  headers?: Record<string, string>;
}

/** Signs in through `POST /api/v1/auth/google`; throws unless it answers 200. */
export async function signIn(options: SignInOptions = {}): Promise<SignedIn> {
  const claims: Record<string, unknown> = {};
  if (options.email !== undefined) claims.email = options.email;
  if (options.name !== undefined) claims.name = options.name;
  if (options.picture !== undefined) claims.picture = options.picture;
  if (options.sub !== undefined) claims.sub = options.sub;
  const idToken = await mintIdToken({ claims });
  const googleSub = JSON.parse(atob(idToken.split(".")[1]?.replace(/-/g, "+").replace(/_/g, "/") ?? "")).sub as string;
  const response = await call("/api/v1/auth/google", {
    method: "POST",
    headers: { "CF-Connecting-IP": randomIp(), ...options.headers },
    body: { id_token: idToken, ...(options.timezone === undefined ? {} : { timezone: options.timezone }) },
    requestId: options.requestId ?? newRequestId("sign-in"),
  });
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${await response.text()}`);
  const { data } = (await response.json()) as {
    data: { access_token: string; refresh_token: string; user: TestUser; is_new_user: boolean };
  };
  let signedIn: SignedIn = { accessToken: data.access_token, refreshToken: data.refresh_token, user: data.user, isNewUser: data.is_new_user, googleSub };
  if (options.tier === "pro") {
    await testDb().execute(sql`update users set tier = 'pro' where id = ${data.user.id}`);
    // The refreshed access token carries the new tier, exactly as after a real upgrade.
    const tokens = await refresh(signedIn.refreshToken);
    signedIn = { ...signedIn, ...tokens, user: { ...signedIn.user, tier: "pro" } };
  }
  return signedIn;
}

/** `POST /api/v1/auth/refresh`; throws unless it answers 200. */
export async function refresh(refreshToken: string): Promise<{ accessToken: string; refreshToken: string }> {
  const response = await call("/api/v1/auth/refresh", {
    method: "POST",
    headers: { "CF-Connecting-IP": randomIp() },
    body: { refresh_token: refreshToken },
  });
  if (response.status !== 200) throw new Error(`refresh failed: ${response.status} ${await response.text()}`);
  const { data } = (await response.json()) as { data: { access_token: string; refresh_token: string } };
  return { accessToken: data.access_token, refreshToken: data.refresh_token };
}

export function authHeaders(accessToken: string, extra: Record<string, string> = {}): Record<string, string> {
  return { Authorization: `Bearer ${accessToken}`, ...extra };
}

/**
 * An access token signed directly with the Worker's test key (or the retired one), for the cases a real
 * sign-in cannot produce: expired, wrong issuer/audience, odd claims.
 */
export async function signTestAccessToken(options: {
  sub: string;
  sid?: string;
  tier?: string;
  issuer?: string;
  audience?: string;
  issuedAt?: number;
  expiresAt?: number;
  key?: "current" | "previous";
  kid?: string;
  alg?: string;
}): Promise<string> {
  const previous = options.key === "previous";
  const pem = inject(previous ? "jwtPreviousPrivateKey" : "jwtPrivateKey");
  const kid = options.kid ?? inject(previous ? "jwtPreviousKeyId" : "jwtKeyId");
  return mintAccessToken({
    privateKeyPem: pem,
    kid,
    sub: options.sub,
    issuer: options.issuer ?? "perpetua-flow",
    audience: options.audience ?? "perpetua-flow-api",
    ...(options.sid !== undefined && { sid: options.sid }),
    ...(options.tier !== undefined && { tier: options.tier }),
    ...(options.issuedAt !== undefined && { issuedAt: options.issuedAt }),
    ...(options.expiresAt !== undefined && { expiresAt: options.expiresAt }),
    ...(options.alg !== undefined && { alg: options.alg }),
  });
}

/** Direct database access for assertions and setup (one round trip per call). */
export function testDb() {
  return createDb(databaseUrl(), newDbTrace(newRequestId("test-db"), neonEndpoint()));
}
