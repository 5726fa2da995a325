import {
  calculateJwkThumbprint,
  createLocalJWKSet,
  exportJWK,
  importJWK,
  importPKCS8,
  type JSONWebKeySet,
  type JWK,
} from "jose";

/**
 * Our RS256 signing key and the public keys we publish and accept (docs/identity.md, docs/configuration.md):
 * - `JWT_PRIVATE_KEY`: PKCS#8 PEM or a private JWK (JSON); `JWT_KEY_ID` names it (else the JWK's `kid`, else
 *   its RFC 7638 thumbprint).
 * - `JWT_PREVIOUS_PUBLIC_KEYS`: a JWKS of retired keys, still published at /.well-known/jwks.json and still
 *   accepted, so tokens signed before a rotation live out their 15 minutes.
 *
 * Importing keys costs milliseconds of crypto, so it happens once per isolate: the cache is keyed by the
 * configuration values themselves (a deployment with new values gets new keys, nothing is ever stale).
 * It is a cache, not state that matters for correctness (ARCHITECTURE).
 */
export const ACCESS_TOKEN_ALG = "RS256";

export interface KeyConfig {
  JWT_PRIVATE_KEY: string | undefined;
  JWT_KEY_ID: string | undefined;
  JWT_PREVIOUS_PUBLIC_KEYS: string | undefined;
}

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  /** Public keys only (current first), exactly what /.well-known/jwks.json serves. */
  jwks: JSONWebKeySet;
  /** Resolves a token's protected header to one of `jwks` by `kid` (jose's local JWKS). */
  keyFor: ReturnType<typeof createLocalJWKSet>;
}

const MAX_CACHED = 4;
const cache = new Map<string, Promise<SigningKeys>>();

export function loadSigningKeys(config: KeyConfig): Promise<SigningKeys> {
  const cacheKey = JSON.stringify([config.JWT_PRIVATE_KEY, config.JWT_KEY_ID, config.JWT_PREVIOUS_PUBLIC_KEYS]);
  let keys = cache.get(cacheKey);
  if (keys === undefined) {
    // Tests build apps with other key configurations; keep the map small whatever happens.
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value ?? "");
    keys = importSigningKeys(config);
    cache.set(cacheKey, keys);
  }
  return keys;
}

async function importSigningKeys(config: KeyConfig): Promise<SigningKeys> {
  const raw = config.JWT_PRIVATE_KEY;
  // Error messages name the variable, never its value (they end up in logs).
  if (raw === undefined) throw new Error("JWT_PRIVATE_KEY is not configured; no access tokens can be signed or verified");
  const { privateKey, privateJwk } = await importPrivateKey(raw);
  const publicJwk = toPublicJwk(privateJwk);
  const kid = config.JWT_KEY_ID ?? privateJwk.kid ?? (await calculateJwkThumbprint(publicJwk));
  const previous = parsePreviousKeys(config.JWT_PREVIOUS_PUBLIC_KEYS).filter((key) => key.kid !== kid);
  // Each previous key must be importable now, not at the first token that names it.
  await Promise.all(previous.map((key) => importJWK(key, ACCESS_TOKEN_ALG)));
  const jwks: JSONWebKeySet = { keys: [{ ...publicJwk, kid, alg: ACCESS_TOKEN_ALG, use: "sig" }, ...previous] };
  return { kid, privateKey, jwks, keyFor: createLocalJWKSet(jwks) };
}

async function importPrivateKey(raw: string): Promise<{ privateKey: CryptoKey; privateJwk: JWK }> {
  const text = raw.trim();
  try {
    if (text.startsWith("{")) {
      const jwk = JSON.parse(text) as JWK;
      if (jwk.kty !== "RSA" || typeof jwk.d !== "string") throw new Error("not an RSA private JWK");
      const privateKey = (await importJWK(jwk, ACCESS_TOKEN_ALG, { extractable: false })) as CryptoKey;
      return { privateKey, privateJwk: jwk };
    }
    // Secrets pasted with literal "\n" sequences (one-line env values) are PEM all the same.
    const pem = text.includes("\\n") ? text.replace(/\\n/g, "\n") : text;
    const extractable = await importPKCS8(pem, ACCESS_TOKEN_ALG, { extractable: true });
    const privateJwk = await exportJWK(extractable);
    return { privateKey: await importPKCS8(pem, ACCESS_TOKEN_ALG), privateJwk };
  } catch (cause) {
    throw new Error("JWT_PRIVATE_KEY is neither an RS256 PKCS#8 PEM nor an RSA private JWK", { cause });
  }
}

/** Only the public members: whatever was configured, private parameters are never published. */
function toPublicJwk(jwk: JWK): JWK {
  if (jwk.kty !== "RSA" || typeof jwk.n !== "string" || typeof jwk.e !== "string") {
    throw new Error("an RS256 key must be an RSA key");
  }
  return { kty: "RSA", n: jwk.n, e: jwk.e };
}

function parsePreviousKeys(raw: string | undefined): JWK[] {
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error("JWT_PREVIOUS_PUBLIC_KEYS is not JSON (expected a JWKS: {\"keys\": [...]})");
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new Error("JWT_PREVIOUS_PUBLIC_KEYS must be a JWKS: {\"keys\": [...]}");
  return keys.map((key: JWK, index) => {
    if (typeof key.kid !== "string" || key.kid === "") throw new Error(`JWT_PREVIOUS_PUBLIC_KEYS key ${index} has no kid`);
    return { ...toPublicJwk(key), kid: key.kid, alg: ACCESS_TOKEN_ALG, use: "sig" };
  });
}
