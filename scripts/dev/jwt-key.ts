import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { exportPKCS8, generateKeyPair } from "jose";

/**
 * The RS256 signing key of local development (docs/configuration.md JWT_PRIVATE_KEY / JWT_KEY_ID "generated for local
 * dev"). Generated on first run and kept in `.data/jwt-key.json` so issued tokens stay valid across
 * restarts; `npm run token` reads the same file. Never used outside a developer machine.
 */
export interface DevSigningKey {
  kid: string;
  privateKeyPem: string;
}

export async function createDevSigningKey(): Promise<DevSigningKey> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "");
  return { kid: `dev-${day}-${randomBytes(4).toString("hex")}`, privateKeyPem: await exportPKCS8(privateKey) };
}

export async function loadOrCreateDevSigningKey(file: string): Promise<{ key: DevSigningKey; created: boolean }> {
  let text: string | undefined;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (text !== undefined) return { key: parseKeyFile(text, file), created: false };

  const key = await createDevSigningKey();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  return { key, created: true };
}

function parseKeyFile(text: string, file: string): DevSigningKey {
  let candidate: Partial<DevSigningKey> | null = null;
  try {
    candidate = JSON.parse(text) as Partial<DevSigningKey> | null;
  } catch {
    // Reported below with the same advice as any other malformed file.
  }
  if (
    typeof candidate?.kid !== "string" ||
    candidate.kid === "" ||
    typeof candidate.privateKeyPem !== "string" ||
    !candidate.privateKeyPem.includes("BEGIN PRIVATE KEY")
  ) {
    throw new Error(`${file} is not {kid, privateKeyPem}; delete it to generate a new key`);
  }
  return { kid: candidate.kid, privateKeyPem: candidate.privateKeyPem };
}
