import { createECDH } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The VAPID key pair of local development (docs/configuration.md VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY /
 * VAPID_SUBJECT "generated for local dev"): generated on first run into `.data/vapid.json` and reused, so
 * browsers subscribed against the dev server keep working across restarts. The formats are the Worker's:
 * the public key as base64url of the uncompressed P-256 point, the private key as base64url of the raw
 * 32-byte scalar d (what web-push tools print).
 */
export interface VapidKeyPair {
  publicKey: string;
  privateKey: string;
  subject: string;
}

export const DEV_VAPID_SUBJECT = "mailto:dev@perpetua.localhost";

export function createVapidKeyPair(subject = DEV_VAPID_SUBJECT): VapidKeyPair {
  const ecdh = createECDH("prime256v1");
  const publicKey = ecdh.generateKeys();
  // d is a 32-byte big-endian integer; keep its leading zero bytes.
  const d = ecdh.getPrivateKey();
  const privateKey = Buffer.concat([Buffer.alloc(32 - d.length), d]);
  return { publicKey: publicKey.toString("base64url"), privateKey: privateKey.toString("base64url"), subject };
}

export function loadOrCreateDevVapidKeys(file: string): { keys: VapidKeyPair; created: boolean } {
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text !== undefined) return { keys: parseKeyFile(text, file), created: false };
  const keys = createVapidKeyPair();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(keys, null, 2)}\n`, { mode: 0o600 });
  return { keys, created: true };
}

function parseKeyFile(text: string, file: string): VapidKeyPair {
  let candidate: Partial<VapidKeyPair> | null = null;
  try {
    candidate = JSON.parse(text) as Partial<VapidKeyPair> | null;
  } catch {
    // Reported below with the same advice as any other malformed file.
  }
  const { publicKey, privateKey, subject } = candidate ?? {};
  if (typeof publicKey !== "string" || typeof privateKey !== "string" || typeof subject !== "string") {
    throw new Error(`${file} is not {publicKey, privateKey, subject}; delete it to generate a new key pair`);
  }
  return { publicKey, privateKey, subject };
}
