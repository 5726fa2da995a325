/**
 * Hashing and random secrets with Web Crypto (available in workerd and Node alike).
 */
const encoder = new TextEncoder();

/** Lower-case hex SHA-256 of a UTF-8 string: how refresh tokens are stored at rest (docs/identity.md). */
export async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", encoder.encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** `bytes` of CSPRNG output as unpadded base64url (32 bytes = 256 bits → 43 characters). */
export function randomBase64Url(bytes: number): string {
  const buffer = crypto.getRandomValues(new Uint8Array(bytes));
  let binary = "";
  for (const byte of buffer) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
