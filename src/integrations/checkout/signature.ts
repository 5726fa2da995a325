/**
 * Checkout.com webhook signatures (docs/billing.md#webhooks): `Cko-Signature` is the lower-case hex
 * HMAC-SHA256 of the raw request body with the webhook's secret key. Verified with Web Crypto's
 * `crypto.subtle.verify`, which compares in constant time – the header is decoded to bytes first, so a
 * malformed header fails without any comparison at all.
 */
export async function verifyCheckoutSignature(secret: string, body: ArrayBuffer, header: string | undefined): Promise<boolean> {
  if (header === undefined) return false;
  const expected = hexToBytes(header.trim());
  if (expected === undefined || expected.length !== 32) return false;
  const key = await hmacKey(secret, ["verify"]);
  return crypto.subtle.verify("HMAC", key, expected, body);
}

/** The signature Checkout.com would send for `body` (used by the fake and the tests). */
export async function signCheckoutBody(secret: string, body: string | ArrayBuffer): Promise<string> {
  const key = await hmacKey(secret, ["sign"]);
  const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes));
  return [...mac].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

function hmacKey(secret: string, usages: ("sign" | "verify")[]): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, usages);
}

function hexToBytes(hex: string): Uint8Array<ArrayBuffer> | undefined {
  if (!/^(?:[0-9a-fA-F]{2})+$/.test(hex)) return undefined;
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i += 1) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}
