import { hmacBase64Url } from "../../integrations/checkout/signature";

/**
 * The `reference` of every payment session we create binds it to the user and the product it was created
 * for (docs/billing.md "who a payment belongs to"): `pf1.<nonce>.<mac>` with mac = HMAC-SHA256(secret key,
 * `pf1|<user id>|<product>|<nonce>`), 43 characters (Checkout.com allows 50). Checkout.com echoes the
 * reference and our metadata on every payment event, so the webhook recomputes the mac from the metadata: an
 * event whose metadata names another user or product than the session was created for – or a payment not
 * created by us – does not verify and is stored, logged and not applied. This stands in for a table of
 * sessions (no migration): nothing but our secret key can mint a reference that verifies.
 */
const VERSION = "pf1";

export async function sessionReference(secretKey: string, userId: string, product: string): Promise<string> {
  const nonce = base64Url(crypto.getRandomValues(new Uint8Array(12)));
  return `${VERSION}.${nonce}.${await mac(secretKey, userId, product, nonce)}`;
}

export async function referenceMatches(secretKey: string, reference: string, userId: string, product: string): Promise<boolean> {
  const [version, nonce, given, ...rest] = reference.split(".");
  if (version !== VERSION || nonce === undefined || given === undefined || rest.length > 0) return false;
  const expected = await mac(secretKey, userId, product, nonce);
  // Both are our own base64url of fixed length; compare without an early exit anyway.
  if (expected.length !== given.length) return false;
  let difference = 0;
  for (let i = 0; i < expected.length; i += 1) difference |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return difference === 0;
}

async function mac(secretKey: string, userId: string, product: string, nonce: string): Promise<string> {
  return (await hmacBase64Url(secretKey, `${VERSION}|${userId}|${product}|${nonce}`)).slice(0, 22);
}

function base64Url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
