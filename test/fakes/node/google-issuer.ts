import { randomBytes } from "node:crypto";
import { SignJWT, exportJWK, generateKeyPair, type JWK, type JWTPayload } from "jose";
import { listen, readBody, sendJson, type RunningServer } from "./http";

/**
 * A faithful stand-in for Google's token issuer (ARCHITECTURE "External services are never called in
 * tests"): per *tenant* (an independent issuer, so tests that count fetches do not disturb each other)
 *
 *   GET  /<tenant>/certs                   the JWKS, RS256 keys with `kid`, `Cache-Control: public, max-age=N`
 *                                          like Google's (or no Cache-Control at all when max_age is null)
 *
 * and a control API for tests:
 *
 *   POST /_control/tenants                 {max_age?: number|null} → {tenant, jwks_url}
 *   POST /_control/<tenant>/mint           {claims?, header?, key?: "current"|"unpublished", alg?: "RS256"|"HS256"|"none"|…,
 *                                           hs256_secret?} → {id_token}; claims default to a valid Google ID token,
 *                                           a claim set to null is removed
 *   POST /_control/<tenant>/rotate         {keep_previous?: true} → {kid}: a new current key (Google publishes 2–3)
 *   POST /_control/<tenant>/fail           {status?: number, on?: boolean}: answer /certs with that status (default 503)
 *   GET  /_control/<tenant>/fetches        → {count}: how often /certs was requested (failed ones included)
 *
 * The tenant "default" exists from the start; its JWKS URL is what the Worker's GOOGLE_JWKS_URL points at.
 */
export const DEFAULT_CLIENT_ID = "perpetua-test.apps.googleusercontent.com";
const GOOGLE_MAX_AGE = 21_600; // what Google's endpoint typically sends (6 h)

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

interface Tenant {
  keys: SigningKey[]; // published, newest first
  unpublished: SigningKey;
  maxAge: number | null;
  failStatus: number | undefined;
  fetches: number;
}

export interface GoogleIssuer extends RunningServer {
  jwksUrl(tenant?: string): string;
}

async function newKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomBytes(20).toString("hex"); // Google's kids are 40 hex characters
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

async function newTenant(maxAge: number | null): Promise<Tenant> {
  return { keys: [await newKey(), await newKey()], unpublished: await newKey(), maxAge, failStatus: undefined, fetches: 0 };
}

export async function startGoogleIssuer(): Promise<GoogleIssuer> {
  const tenants = new Map<string, Tenant>([["default", await newTenant(GOOGLE_MAX_AGE)]]);
  let nextTenant = 1;

  const server = await listen(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://issuer");
    const parts = url.pathname.split("/").filter(Boolean);
    const body = request.method === "POST" ? parseJson((await readBody(request)).toString("utf8")) : {};

    if (request.method === "GET" && parts.length === 2 && parts[1] === "certs") {
      const tenant = tenants.get(parts[0] ?? "");
      if (tenant === undefined) return sendJson(response, 404, { error: "no such tenant" });
      tenant.fetches += 1;
      if (tenant.failStatus !== undefined) return sendJson(response, tenant.failStatus, { error: "unavailable" });
      const headers: Record<string, string> = { "content-type": "application/json; charset=UTF-8" };
      if (tenant.maxAge !== null) headers["cache-control"] = `public, max-age=${tenant.maxAge}, must-revalidate, no-transform`;
      response.writeHead(200, headers);
      response.end(JSON.stringify({ keys: tenant.keys.map((key) => key.publicJwk) }));
      return;
    }
    if (parts[0] !== "_control") return sendJson(response, 404, { error: "not found" });

    if (request.method === "POST" && parts[1] === "tenants" && parts.length === 2) {
      const name = `t${nextTenant++}`;
      const maxAge = body.max_age === undefined ? GOOGLE_MAX_AGE : (body.max_age as number | null);
      tenants.set(name, await newTenant(maxAge));
      return sendJson(response, 200, { tenant: name, jwks_url: `${server.origin}/${name}/certs` });
    }
    const tenant = tenants.get(parts[1] ?? "");
    if (tenant === undefined) return sendJson(response, 404, { error: "no such tenant" });
    const action = parts[2];
    if (request.method === "GET" && action === "fetches") return sendJson(response, 200, { count: tenant.fetches });
    if (request.method === "POST" && action === "fail") {
      tenant.failStatus = body.on === false ? undefined : typeof body.status === "number" ? body.status : 503;
      return sendJson(response, 200, { failing: tenant.failStatus !== undefined });
    }
    if (request.method === "POST" && action === "rotate") {
      const key = await newKey();
      tenant.keys = body.keep_previous === false ? [key] : [key, ...tenant.keys].slice(0, 3);
      return sendJson(response, 200, { kid: key.kid });
    }
    if (request.method === "POST" && action === "mint") return sendJson(response, 200, { id_token: await mint(tenant, body) });
    sendJson(response, 404, { error: "not found" });
  });

  return { ...server, jwksUrl: (tenant = "default") => `${server.origin}/${tenant}/certs` };
}

interface MintRequest {
  claims?: Record<string, unknown>;
  header?: Record<string, unknown>;
  key?: "current" | "unpublished";
  alg?: string;
  hs256_secret?: string;
}

/** A Google-shaped ID token (claims as Google sends them) with every part overridable. */
async function mint(tenant: Tenant, request: MintRequest): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  const sub = String(10n ** 20n + BigInt(`0x${randomBytes(8).toString("hex")}`));
  const claims: JWTPayload = {
    iss: "https://accounts.google.com",
    azp: DEFAULT_CLIENT_ID,
    aud: DEFAULT_CLIENT_ID,
    sub,
    email: `user-${sub.slice(-8)}@example.com`,
    email_verified: true,
    name: "Test User",
    picture: "https://lh3.googleusercontent.com/a/test-picture",
    given_name: "Test",
    family_name: "User",
    iat: now,
    exp: now + 3600,
  };
  const overrides = Object.entries(request.claims ?? {});
  const removed = new Set(overrides.filter(([, value]) => value === null).map(([name]) => name));
  const payload: JWTPayload = Object.fromEntries(
    [...Object.entries(claims), ...overrides].filter(([name, value]) => value !== null && !removed.has(name)),
  );
  const key = request.key === "unpublished" ? tenant.unpublished : tenant.keys[0];
  if (key === undefined) throw new Error("tenant has no keys");
  const alg = request.alg ?? "RS256";
  const header = { alg, kid: key.kid, typ: "JWT", ...request.header };
  if (alg === "none") {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
    return `${encode(header)}.${encode(payload)}.`;
  }
  const jwt = new SignJWT(payload).setProtectedHeader(header as { alg: string });
  if (alg.startsWith("HS")) return jwt.sign(new TextEncoder().encode(request.hs256_secret ?? JSON.stringify(key.publicJwk)));
  return jwt.sign(key.privateKey);
}

function parseJson(text: string): Record<string, unknown> & MintRequest {
  if (text.trim() === "") return {};
  return JSON.parse(text) as Record<string, unknown> & MintRequest;
}
