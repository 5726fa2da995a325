import { base64url, importJWK, SignJWT } from "jose";

/**
 * A Web Push request (RFC 8030) with an encrypted payload (RFC 8291, `aes128gcm` content coding of RFC 8188)
 * and VAPID authorisation (RFC 8292), built with Web Crypto only so it runs in workerd.
 *
 * Why hand-written: the maintained library the architecture names (`@block65/webcrypto-web-push`) is not a
 * dependency of the project yet, and it refuses `http:` endpoints, which local development and the tests'
 * push service use. This is the whole protocol – one record, no padding beyond the delimiter – and the
 * tests' push service (test/fakes/node/push-service.ts) decrypts it independently with node:crypto.
 */

/** The VAPID key pair: the public key as the uncompressed P-256 point, the private key as the raw scalar d. */
export interface VapidKeys {
  /** base64url of the 65-byte uncompressed point (0x04 ‖ X ‖ Y): what `PushManager.subscribe` takes. */
  publicKey: string;
  /** base64url of the 32-byte private scalar d (what web-push tools print). */
  privateKey: string;
  /** `mailto:` or `https:` contact of the application server (RFC 8292 §2.1 `sub`). */
  subject: string;
}

/** The subscription's keys from `PushSubscription.getKey()` (base64url). */
export interface SubscriptionKeys {
  p256dh: string;
  auth: string;
}

export interface PushRequestOptions {
  /** Seconds the push service keeps an undelivered message (RFC 8030 §5.2). */
  ttlSeconds: number;
  urgency: "very-low" | "low" | "normal" | "high";
  /** Now, for the VAPID token's expiry. */
  now: Date;
}

/** Lifetime of the VAPID token: RFC 8292 §2 allows at most 24 h; 12 h leaves room for clock skew. */
export const VAPID_TOKEN_SECONDS = 12 * 60 * 60;
/** The record size declared in the header: one record holds the whole (≤ 4 KB) payload. */
const RECORD_SIZE = 4096;
const encoder = new TextEncoder();

/** Builds the POST to the subscription's endpoint: headers and encrypted body, ready for `fetch`. */
export async function buildPushRequest(
  endpoint: string,
  keys: SubscriptionKeys,
  payload: string,
  vapid: VapidKeys,
  options: PushRequestOptions,
): Promise<{ url: string; init: RequestInit & { headers: Record<string, string>; body: Uint8Array } }> {
  const body = await encryptPayload(encoder.encode(payload), keys);
  const token = await vapidToken(new URL(endpoint).origin, vapid, options.now);
  return {
    url: endpoint,
    init: {
      method: "POST",
      headers: {
        Authorization: `vapid t=${token}, k=${vapid.publicKey}`,
        "Content-Encoding": "aes128gcm",
        "Content-Type": "application/octet-stream",
        TTL: String(options.ttlSeconds),
        Urgency: options.urgency,
      },
      body,
    },
  };
}

/**
 * RFC 8291 §3.4 + RFC 8188 §2: an ephemeral ECDH key pair against the user agent's key, the auth secret and
 * a random salt give the content-encryption key and nonce (HKDF-SHA-256); the payload plus the last-record
 * delimiter 0x02 is sealed with AES-128-GCM; the header carries salt, record size and the ephemeral key.
 */
export async function encryptPayload(
  plaintext: Uint8Array,
  keys: SubscriptionKeys,
  /** Only to reproduce a known answer (RFC 8291 Appendix A): the sender's key pair and salt, random otherwise. */
  fixed?: { senderKeys: CryptoKeyPair; salt: Uint8Array },
): Promise<Uint8Array> {
  const uaPublic = base64url.decode(keys.p256dh);
  const authSecret = base64url.decode(keys.auth);
  const uaKey = await crypto.subtle.importKey("raw", uaPublic, { name: "ECDH", namedCurve: "P-256" }, false, []);
  const ephemeral = fixed?.senderKeys ?? (await crypto.subtle.generateKey({ name: "ECDH", namedCurve: "P-256" }, true, ["deriveBits"]));
  if (!("privateKey" in ephemeral)) throw new Error("ECDH key generation returned a single key");
  const exported = await crypto.subtle.exportKey("raw", ephemeral.publicKey);
  if (!(exported instanceof ArrayBuffer)) throw new Error("raw export of an ECDH public key is not bytes");
  const asPublic = new Uint8Array(exported);
  // Web Crypto's member is `public`; workers-types spells it `$public` (a reserved word in its generator), so the
  // algorithm is a variable: workerd reads `public`.
  const ecdh = { name: "ECDH", public: uaKey };
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits(ecdh, ephemeral.privateKey, 256));

  // IKM = HKDF(salt = auth_secret, ikm = ecdh_secret, info = "WebPush: info" ‖ 0x00 ‖ ua_public ‖ as_public, 32)
  const ikm = await hkdf(authSecret, ecdhSecret, concat(encoder.encode("WebPush: info\0"), uaPublic, asPublic), 32);
  const salt = fixed?.salt ?? crypto.getRandomValues(new Uint8Array(16));
  const cek = await hkdf(salt, ikm, encoder.encode("Content-Encoding: aes128gcm\0"), 16);
  const nonce = await hkdf(salt, ikm, encoder.encode("Content-Encoding: nonce\0"), 12);

  const key = await crypto.subtle.importKey("raw", cek, "AES-GCM", false, ["encrypt"]);
  const record = concat(plaintext, new Uint8Array([2]));
  if (record.length + 16 > RECORD_SIZE) throw new Error(`push payload of ${plaintext.length} bytes does not fit one ${RECORD_SIZE}-byte record`);
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce, tagLength: 128 }, key, record));

  const header = new Uint8Array(16 + 4 + 1 + asPublic.length);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header[20] = asPublic.length;
  header.set(asPublic, 21);
  return concat(header, sealed);
}

/** RFC 8292 §2: an ES256 JWT with the endpoint's origin as `aud`, an expiry within 24 h, and `sub`. */
export async function vapidToken(audience: string, vapid: VapidKeys, now: Date): Promise<string> {
  const point = base64url.decode(vapid.publicKey);
  const key = await importJWK(
    {
      kty: "EC",
      crv: "P-256",
      x: base64url.encode(point.slice(1, 33)),
      y: base64url.encode(point.slice(33, 65)),
      d: vapid.privateKey,
    },
    "ES256",
  );
  const seconds = Math.floor(now.getTime() / 1000);
  return new SignJWT({ sub: vapid.subject })
    .setProtectedHeader({ typ: "JWT", alg: "ES256" })
    .setAudience(audience)
    .setExpirationTime(seconds + VAPID_TOKEN_SECONDS)
    .sign(key);
}

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, length: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey("raw", ikm, "HKDF", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info }, key, length * 8));
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
