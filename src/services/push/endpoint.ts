import { base64url } from "jose";
import type { FieldProblem } from "../../errors/api-error";
import type { Config } from "../../env";

/**
 * What a push subscription may name (docs/reminders-notifications-realtime.md "Web Push"). The Worker POSTs
 * to the endpoint on the user's behalf, so it must be a public https URL: a loopback, private-network,
 * link-local or unspecified IP literal (or `localhost`) would let a client aim our requests at internal
 * hosts. Local development and the tests run their push service on 127.0.0.1, so ENVIRONMENT
 * development|test accepts loopback hosts, over http too – never staging or production. Private-network
 * and link-local addresses are refused everywhere: no push service lives there. (A DNS name resolving to
 * such an address cannot be checked from a Worker; Cloudflare's egress does not reach private networks.)
 */
export const PUSH_ENDPOINT_MAX = 2048;
/** base64url of a 65-byte point is 87 characters (88 with one `=` of padding). */
export const P256DH_MAX = 88;
/** base64url of 16 bytes is 22 characters (24 padded). */
export const AUTH_MAX = 24;

type Environment = Config["ENVIRONMENT"];

/** Why the endpoint is refused in this environment, or undefined when it is acceptable. */
export function endpointProblem(endpoint: string, environment: Environment): string | undefined {
  if (endpoint.length > PUSH_ENDPOINT_MAX) return `At most ${PUSH_ENDPOINT_MAX} characters.`;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "Must be an absolute https URL.";
  }
  if (url.username !== "" || url.password !== "") return "Must not carry credentials.";
  const local = environment === "development" || environment === "test";
  const host = url.hostname.toLowerCase();
  const loopback = isLoopbackHost(host);
  if (url.protocol === "http:") {
    if (local && loopback) return undefined;
    return local ? "Must be https (http only for a loopback host in development)." : "Must be an https URL.";
  }
  if (url.protocol !== "https:") return "Must be an https URL.";
  if (loopback) return local ? undefined : "Must not be a loopback host.";
  if (isInternalAddress(host)) return "Must not be a private-network, link-local or unspecified address.";
  return undefined;
}

/** `localhost` (and `*.localhost`, RFC 6761), 127.0.0.0/8, ::1. */
function isLoopbackHost(host: string): boolean {
  if (host === "localhost" || host.endsWith(".localhost")) return true;
  const v4 = ipv4(host) ?? mappedIpv4(host);
  if (v4 !== undefined) return v4[0] === 127;
  return host === "[::1]";
}

/** 0/8, 10/8, 100.64/10, 169.254/16, 172.16/12, 192.168/16, ::, fc00::/7, fe80::/10 (and IPv4-mapped forms). */
function isInternalAddress(host: string): boolean {
  const v4 = ipv4(host) ?? mappedIpv4(host);
  if (v4 !== undefined) {
    const [a, b] = v4;
    return a === 0 || a === 10 || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168);
  }
  if (!host.startsWith("[")) return false;
  const v6 = host.slice(1, -1);
  if (v6 === "::") return true;
  const first = Number.parseInt(v6.split(":")[0] || "0", 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

/** The WHATWG URL parser already normalised IPv4 literals (`0x7f.1` → `127.0.0.1`): four decimal parts. */
function ipv4(host: string): [number, number, number, number] | undefined {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  if (!match) return undefined;
  return [Number(match[1]), Number(match[2]), Number(match[3]), Number(match[4])];
}

/** `[::ffff:a.b.c.d]`, which the URL parser writes as `[::ffff:XXXX:XXXX]`. */
function mappedIpv4(host: string): [number, number, number, number] | undefined {
  const match = /^\[::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})\]$/.exec(host);
  if (!match) return undefined;
  const high = Number.parseInt(match[1] ?? "0", 16);
  const low = Number.parseInt(match[2] ?? "0", 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff];
}

/** Strict base64url (RFC 4648 §5; padding tolerated) decoded, or undefined. */
export function decodeBase64Url(value: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(value)) return undefined;
  try {
    return base64url.decode(value.replace(/=+$/, ""));
  } catch {
    return undefined;
  }
}

/**
 * Problems of a subscription's keys (RFC 8291 §3.2): `p256dh` an uncompressed P-256 point that is on the
 * curve (Web Crypto refuses one that is not), `auth` a 16-byte secret.
 */
export async function keyProblems(keys: { p256dh: string; auth: string }): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const point = decodeBase64Url(keys.p256dh);
  if (point?.length !== 65 || point[0] !== 0x04) {
    problems.push({ field: "keys.p256dh", reason: "Must be base64url of a 65-byte uncompressed P-256 public key (0x04 prefix)." });
  } else {
    try {
      await crypto.subtle.importKey("raw", point, { name: "ECDH", namedCurve: "P-256" }, false, []);
    } catch {
      problems.push({ field: "keys.p256dh", reason: "Not a point on the P-256 curve." });
    }
  }
  if (decodeBase64Url(keys.auth)?.length !== 16) problems.push({ field: "keys.auth", reason: "Must be base64url of exactly 16 bytes." });
  return problems;
}
