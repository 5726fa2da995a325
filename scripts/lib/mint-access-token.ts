import { importPKCS8, SignJWT } from "jose";

export interface MintAccessTokenOptions {
  /** PKCS#8 PEM of the signing key (the Worker's, or another one on purpose). */
  privateKeyPem: string;
  kid: string;
  sub: string;
  issuer: string;
  audience: string;
  sid?: string;
  tier?: string;
  /** Seconds since the epoch; default now. */
  issuedAt?: number;
  /** Seconds since the epoch; default issuedAt + `ttlSeconds`. */
  expiresAt?: number;
  ttlSeconds?: number;
  /** Default RS256 (the Worker's); tests sign with others on purpose. */
  alg?: string;
}

/**
 * An access token exactly as the Worker's sign-in issues one (claims `sub`, `sid`, `tier`, `iss`, `aud`,
 * `iat`, `exp`, `jti`, header `kid`) – for the test harness and the load runner, which need tokens without a
 * Google sign-in. Pure jose, so it runs in workerd and in Node alike.
 */
export async function mintAccessToken(options: MintAccessTokenOptions): Promise<string> {
  const alg = options.alg ?? "RS256";
  const issuedAt = options.issuedAt ?? Math.floor(Date.now() / 1000);
  return new SignJWT({ sid: options.sid ?? crypto.randomUUID(), tier: options.tier ?? "free" })
    .setProtectedHeader({ alg, kid: options.kid, typ: "JWT" })
    .setSubject(options.sub)
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(options.expiresAt ?? issuedAt + (options.ttlSeconds ?? 900))
    .setJti(crypto.randomUUID())
    .sign(await importPKCS8(options.privateKeyPem, alg));
}
