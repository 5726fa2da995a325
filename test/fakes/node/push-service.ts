import { createDecipheriv, createECDH, createPublicKey, hkdfSync, randomBytes, verify, type ECDH } from "node:crypto";
import { listen, readBody, sendJson, type RunningServer } from "./http";

/**
 * A Web Push service (RFC 8030) on 127.0.0.1, as faithful as the tests need and independent of the
 * Worker's own code:
 *
 * - `POST /_control/subscriptions` mints a subscription like a browser would: a P-256 key pair and a
 *   16-byte auth secret of its own, answered as `PushSubscription.toJSON()` (`{endpoint, keys: {p256dh, auth}}`).
 * - `POST /push/<token>` (the endpoint) checks the VAPID authorisation (RFC 8292: `vapid t=<JWT>, k=<key>`,
 *   an ES256 signature by `k`, `aud` = this origin, `exp` in the future and ≤ 24 h away, `sub` present) and
 *   DECRYPTS the body itself (RFC 8291 / RFC 8188 `aes128gcm`: ECDH with the subscription's private key,
 *   HKDF-SHA-256, AES-128-GCM, the padding delimiter) with node:crypto. A bad request is refused (400/401/403)
 *   and kept under `rejected`; a good one is answered 201 and kept under `received` with the plaintext.
 * - `POST /_control/program` `{endpoint, responses: [{status, retry_after?, times?}]}` makes the next
 *   pushes to that endpoint answer those statuses first (e.g. 503 twice with Retry-After, or 410).
 * - `GET /_control/received?endpoint=` reads back what that endpoint got: `{received, rejected, answered}`;
 *   each received push carries `received_at`, when it had arrived and been decrypted (the push bench's clock).
 */
export interface MintedSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

export interface ReceivedPush {
  payload: string;
  ttl: string | null;
  urgency: string | null;
  claims: Record<string, unknown>;
  /** ISO instant at which the push had arrived and was decrypted (`npm run bench -- push` measures up to it). */
  received_at: string;
}

interface Programmed {
  status: number;
  retry_after?: string;
  times: number;
}

interface Subscription {
  ecdh: ECDH;
  publicKey: Buffer;
  auth: Buffer;
  received: ReceivedPush[];
  rejected: { status: number; reason: string }[];
  /** Every status this endpoint answered, in order (programmed ones included). */
  answered: number[];
  program: Programmed[];
}

const MAX_VAPID_LIFETIME_SECONDS = 24 * 60 * 60;

export async function startPushService(): Promise<RunningServer> {
  const subscriptions = new Map<string, Subscription>();
  let origin = "";

  const server = await listen(async (request, response) => {
    const url = new URL(request.url ?? "/", origin);
    if (request.method === "POST" && url.pathname === "/_control/subscriptions") {
      const token = randomBytes(12).toString("hex");
      const ecdh = createECDH("prime256v1");
      const publicKey = ecdh.generateKeys();
      const auth = randomBytes(16);
      subscriptions.set(token, { ecdh, publicKey, auth, received: [], rejected: [], answered: [], program: [] });
      const minted: MintedSubscription = { endpoint: `${origin}/push/${token}`, keys: { p256dh: publicKey.toString("base64url"), auth: auth.toString("base64url") } };
      return sendJson(response, 201, minted);
    }
    if (request.method === "POST" && url.pathname === "/_control/program") {
      const body = JSON.parse((await readBody(request)).toString("utf8")) as { endpoint: string; responses: { status: number; retry_after?: string; times?: number }[] };
      const subscription = subscriptions.get(tokenOf(body.endpoint));
      if (!subscription) return sendJson(response, 404, { error: "unknown endpoint" });
      subscription.program.push(...body.responses.map((entry) => ({ ...entry, times: entry.times ?? 1 })));
      return sendJson(response, 200, {});
    }
    if (request.method === "GET" && url.pathname === "/_control/received") {
      const subscription = subscriptions.get(tokenOf(url.searchParams.get("endpoint") ?? ""));
      if (!subscription) return sendJson(response, 404, { error: "unknown endpoint" });
      return sendJson(response, 200, { received: subscription.received, rejected: subscription.rejected, answered: subscription.answered });
    }
    const push = /^\/push\/([0-9a-f]+)$/.exec(url.pathname);
    if (request.method === "POST" && push) {
      const subscription = subscriptions.get(push[1] ?? "");
      const body = await readBody(request);
      if (!subscription) return sendJson(response, 404, { error: "no such subscription" });
      const answer = (status: number, headers: Record<string, string> = {}) => {
        subscription.answered.push(status);
        response.writeHead(status, headers);
        response.end();
      };
      const refuse = (status: number, reason: string) => {
        subscription.rejected.push({ status, reason });
        answer(status);
      };

      const vapid = verifyVapid(request.headers.authorization, origin);
      if ("reason" in vapid) return refuse(vapid.status, vapid.reason);
      if (request.headers["content-encoding"] !== "aes128gcm") return refuse(400, `Content-Encoding ${String(request.headers["content-encoding"])}`);
      if (request.headers.ttl === undefined || !/^\d+$/.test(String(request.headers.ttl))) return refuse(400, "TTL header missing");
      let payload: string;
      try {
        payload = decrypt(body, subscription);
      } catch (error) {
        return refuse(400, `cannot decrypt: ${error instanceof Error ? error.message : String(error)}`);
      }

      const next = subscription.program[0];
      if (next) {
        next.times -= 1;
        if (next.times <= 0) subscription.program.shift();
        return answer(next.status, next.retry_after === undefined ? {} : { "Retry-After": next.retry_after });
      }
      subscription.received.push({ payload, ttl: header(request.headers.ttl), urgency: header(request.headers.urgency), claims: vapid.claims, received_at: new Date().toISOString() });
      return answer(201, { Location: `${origin}/message/${randomBytes(8).toString("hex")}` });
    }
    sendJson(response, 404, { error: "not found" });
  });
  origin = server.origin;
  return server;
}

function tokenOf(endpoint: string): string {
  return endpoint.split("/").at(-1) ?? "";
}

function header(value: string | string[] | undefined): string | null {
  return typeof value === "string" ? value : null;
}

/** RFC 8292 §2–3: `vapid t=<ES256 JWT>, k=<uncompressed P-256 key, base64url>`. */
function verifyVapid(authorization: string | undefined, origin: string): { claims: Record<string, unknown> } | { status: number; reason: string } {
  const match = /^vapid t=([A-Za-z0-9_.-]+),\s*k=([A-Za-z0-9_-]+)$/.exec(authorization ?? "");
  if (!match) return { status: 401, reason: `Authorization is not vapid t=…, k=…: ${String(authorization)}` };
  const [, token = "", key = ""] = match;
  const point = Buffer.from(key, "base64url");
  if (point.length !== 65 || point[0] !== 4) return { status: 403, reason: "k is not an uncompressed P-256 point" };
  const parts = token.split(".");
  if (parts.length !== 3) return { status: 401, reason: "t is not a JWS" };
  const [head = "", claimsPart = "", signature = ""] = parts;
  const protectedHeader = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { alg?: string };
  if (protectedHeader.alg !== "ES256") return { status: 401, reason: `alg ${String(protectedHeader.alg)}` };
  const publicKey = createPublicKey({
    key: { kty: "EC", crv: "P-256", x: point.subarray(1, 33).toString("base64url"), y: point.subarray(33).toString("base64url") },
    format: "jwk",
  });
  const valid = verify("sha256", Buffer.from(`${head}.${claimsPart}`), { key: publicKey, dsaEncoding: "ieee-p1363" }, Buffer.from(signature, "base64url"));
  if (!valid) return { status: 403, reason: "signature does not verify with k" };
  const claims = JSON.parse(Buffer.from(claimsPart, "base64url").toString("utf8")) as Record<string, unknown>;
  const now = Math.floor(Date.now() / 1000);
  if (claims.aud !== origin) return { status: 403, reason: `aud ${String(claims.aud)} is not ${origin}` };
  if (typeof claims.exp !== "number" || claims.exp <= now || claims.exp > now + MAX_VAPID_LIFETIME_SECONDS) return { status: 403, reason: `exp ${String(claims.exp)} not within 24 h` };
  if (typeof claims.sub !== "string" || !/^(mailto:|https:)/.test(claims.sub)) return { status: 403, reason: `sub ${String(claims.sub)}` };
  return { claims };
}

/** RFC 8291 §3.4 and RFC 8188 §2, from the receiving end. */
function decrypt(body: Buffer, subscription: Subscription): string {
  if (body.length < 21) throw new Error("shorter than the aes128gcm header");
  const salt = body.subarray(0, 16);
  const recordSize = body.readUInt32BE(16);
  const idLength = body[20] ?? 0;
  const senderKey = body.subarray(21, 21 + idLength);
  const ciphertext = body.subarray(21 + idLength);
  if (idLength !== 65) throw new Error(`keyid of ${idLength} bytes is not a P-256 point`);
  if (ciphertext.length > recordSize) throw new Error("more than one record");
  const secret = subscription.ecdh.computeSecret(senderKey);
  const keyInfo = Buffer.concat([Buffer.from("WebPush: info\0"), subscription.publicKey, senderKey]);
  const ikm = Buffer.from(hkdfSync("sha256", secret, subscription.auth, keyInfo, 32));
  const cek = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: aes128gcm\0"), 16));
  const nonce = Buffer.from(hkdfSync("sha256", ikm, salt, Buffer.from("Content-Encoding: nonce\0"), 12));
  const decipher = createDecipheriv("aes-128-gcm", cek, nonce);
  decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
  const plain = Buffer.concat([decipher.update(ciphertext.subarray(0, ciphertext.length - 16)), decipher.final()]);
  // Padding: the content, one delimiter byte (0x02 for the last record), then zeros.
  let end = plain.length - 1;
  while (end >= 0 && plain[end] === 0) end -= 1;
  if (plain[end] !== 2) throw new Error("last record without its 0x02 delimiter");
  return plain.subarray(0, end).toString("utf8");
}
