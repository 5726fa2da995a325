import { exportJWK, exportPKCS8, generateKeyPair } from "jose";

/**
 * The Worker's token signing keys for a test run (docs/configuration.md JWT_PRIVATE_KEY / JWT_KEY_ID /
 * JWT_PREVIOUS_PUBLIC_KEYS): a current key and a "retired" one whose public half is published as a previous
 * key, so tests can sign tokens with either (rotation, forged and expired tokens).
 */
export interface TestSigningKey {
  kid: string;
  privateKeyPem: string;
}

export async function createTestSigningKeys(): Promise<{ current: TestSigningKey; previous: TestSigningKey; previousJwks: string }> {
  const make = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
    return { kid, privateKeyPem: await exportPKCS8(privateKey), publicJwk: await exportJWK(publicKey) };
  };
  const current = await make("test-current");
  const previous = await make("test-previous");
  const previousJwks = JSON.stringify({ keys: [{ ...previous.publicJwk, kid: previous.kid, alg: "RS256", use: "sig" }] });
  return {
    current: { kid: current.kid, privateKeyPem: current.privateKeyPem },
    previous: { kid: previous.kid, privateKeyPem: previous.privateKeyPem },
    previousJwks,
  };
}
