import { createLocalJWKSet, type JSONWebKeySet, type JWK } from "jose";

/**
 * Google's signing keys (docs/identity.md), cached per isolate and per JWKS URL:
 * - fresh for `Cache-Control: max-age` minus `Age` (24 h when the header is absent);
 * - a `kid` we do not know triggers one refetch (Google publishes a new key before it signs with it, so an
 *   unknown kid usually means our copy is old) – at most one such refetch per URL every 30 s, so tokens
 *   with made-up kids cannot turn every sign-in attempt into a request to Google;
 * - when Google is unreachable or answers garbage, the keys we already have keep serving (stale), and we
 *   try again at most once a minute;
 * - concurrent misses share one fetch.
 * Module-level state is fine here: it is a cache, not state that matters for correctness (ARCHITECTURE).
 * Times come from the caller's clock so tests can move past max-age instead of sleeping.
 */
export const DEFAULT_MAX_AGE_SECONDS = 24 * 60 * 60;
const UNKNOWN_KID_COOLDOWN_MS = 30_000;
const FAILED_FETCH_BACKOFF_MS = 60_000;
const FETCH_TIMEOUT_MS = 5_000;

interface Entry {
  jwks: JSONWebKeySet;
  keyFor: ReturnType<typeof createLocalJWKSet>;
  /** Until when the keys count as fresh (ms since epoch, caller's clock). */
  freshUntil: number;
  /** When an unknown kid last caused a refetch (the 30 s cooldown counts from here). */
  lastUnknownKidRefetch: number;
  /** After a failed fetch, the stale keys serve until this time before Google is asked again. */
  nextAttemptAfterFailure: number;
}

const entries = new Map<string, Entry>();
const inFlight = new Map<string, Promise<Entry>>();

/** Google could not be reached and we hold no keys at all for this URL. */
export class GoogleKeysUnavailable extends Error {
  constructor(cause: unknown) {
    super("Google's signing keys could not be fetched", { cause });
    this.name = "GoogleKeysUnavailable";
  }
}

/** The key for a token's `kid`, or undefined when Google does not publish it (after the allowed refetch). */
export async function googleKeyFor(url: string, kid: string, now: number): Promise<CryptoKey | undefined> {
  let entry = entries.get(url);
  let fetchedNow = false;
  if (entry === undefined || (now >= entry.freshUntil && now >= entry.nextAttemptAfterFailure)) {
    try {
      entry = await refresh(url, now);
      fetchedNow = true;
    } catch (error) {
      if (entry === undefined) throw new GoogleKeysUnavailable(error);
      // Stale keys beat no sign-in at all while Google is down.
      entry.nextAttemptAfterFailure = now + FAILED_FETCH_BACKOFF_MS;
    }
  }
  if (!hasKid(entry, kid) && !fetchedNow && now - entry.lastUnknownKidRefetch >= UNKNOWN_KID_COOLDOWN_MS) {
    entry.lastUnknownKidRefetch = now;
    try {
      entry = await refresh(url, now, now);
    } catch {
      // Keep what we have; the token's kid is simply unknown.
    }
  }
  if (!hasKid(entry, kid)) return undefined;
  return (await entry.keyFor({ alg: "RS256", kid })) as CryptoKey;
}

function hasKid(entry: Entry, kid: string): boolean {
  return entry.jwks.keys.some((key) => key.kid === kid);
}

function refresh(url: string, now: number, unknownKidRefetchAt?: number): Promise<Entry> {
  let pending = inFlight.get(url);
  if (pending === undefined) {
    pending = fetchKeys(url, now, unknownKidRefetchAt ?? entries.get(url)?.lastUnknownKidRefetch ?? -Infinity).finally(() =>
      inFlight.delete(url),
    );
    inFlight.set(url, pending);
  }
  return pending;
}

async function fetchKeys(url: string, now: number, lastUnknownKidRefetch: number): Promise<Entry> {
  const response = await fetch(url, {
    headers: { accept: "application/json" },
    signal: AbortSignal.timeout(FETCH_TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
  const body = (await response.json()) as { keys?: unknown };
  if (!Array.isArray(body.keys)) throw new Error("JWKS has no keys array");
  const keys = (body.keys as JWK[]).filter(
    (key) => key.kty === "RSA" && typeof key.kid === "string" && (key.alg === undefined || key.alg === "RS256") && (key.use === undefined || key.use === "sig"),
  );
  if (keys.length === 0) throw new Error("JWKS has no RS256 signing keys");
  const jwks: JSONWebKeySet = { keys };
  const entry: Entry = {
    jwks,
    keyFor: createLocalJWKSet(jwks),
    freshUntil: now + freshnessSeconds(response.headers) * 1000,
    lastUnknownKidRefetch,
    nextAttemptAfterFailure: -Infinity,
  };
  entries.set(url, entry);
  return entry;
}

/** RFC 9111 freshness: max-age minus Age; no-store/no-cache mean "revalidate every time". */
export function freshnessSeconds(headers: Headers): number {
  const cacheControl = (headers.get("cache-control") ?? "").toLowerCase();
  if (/(^|[,\s])(no-store|no-cache)([,\s]|$)/.test(cacheControl)) return 0;
  const match = /(?:^|[,\s])max-age\s*=\s*"?(\d+)"?/.exec(cacheControl);
  if (match === null) return DEFAULT_MAX_AGE_SECONDS;
  const age = Number(headers.get("age") ?? "0");
  return Math.max(0, Number(match[1]) - (Number.isFinite(age) ? age : 0));
}
