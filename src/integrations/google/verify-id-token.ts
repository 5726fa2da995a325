import { decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from "jose";
import { googleKeyFor } from "./jwks-cache";

export { GoogleKeysUnavailable } from "./jwks-cache";

/**
 * Verification of a Google ID token exactly as docs/identity.md says: RS256 only, signature by a key of
 * `GOOGLE_JWKS_URL`, `iss` accounts.google.com or https://accounts.google.com, `aud` one of
 * `GOOGLE_CLIENT_IDS`, `exp`/`iat` with 300 s of clock skew, `email_verified` true.
 */
export const GOOGLE_ISSUERS = ["accounts.google.com", "https://accounts.google.com"];
export const CLOCK_SKEW_SECONDS = 300;

export interface GoogleConfig {
  GOOGLE_JWKS_URL: string;
  GOOGLE_CLIENT_IDS: string[];
}

export interface GoogleIdentity {
  /** Google's stable account id. */
  sub: string;
  email: string;
  name: string | undefined;
  picture: string | undefined;
}

/** The token was refused; `reason` is for the log line only (never the token itself). */
export class GoogleTokenRejected extends Error {
  constructor(readonly reason: string) {
    super(`Google ID token rejected: ${reason}`);
    this.name = "GoogleTokenRejected";
  }
}

export async function verifyGoogleIdToken(config: GoogleConfig, idToken: string, now: Date): Promise<GoogleIdentity> {
  if (config.GOOGLE_CLIENT_IDS.length === 0) throw new GoogleTokenRejected("GOOGLE_CLIENT_IDS is empty");
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(idToken);
  } catch {
    throw new GoogleTokenRejected("malformed token");
  }
  // Checked before any key is fetched: a forged `alg` must not cost a request to Google.
  if (header.alg !== "RS256") throw new GoogleTokenRejected(`alg ${String(header.alg).replace(/[^A-Za-z0-9]/g, "").slice(0, 16)}`);
  const kid = header.kid;
  if (typeof kid !== "string" || kid === "") throw new GoogleTokenRejected("no kid");
  const key = await googleKeyFor(config.GOOGLE_JWKS_URL, kid, now.getTime());
  if (key === undefined) throw new GoogleTokenRejected("unknown kid");

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(idToken, key, {
      algorithms: ["RS256"],
      issuer: GOOGLE_ISSUERS,
      audience: config.GOOGLE_CLIENT_IDS,
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: now,
      requiredClaims: ["sub", "iat", "exp"],
    }));
  } catch (error) {
    if (error instanceof errors.JOSEError) throw new GoogleTokenRejected(error.code);
    throw error;
  }
  const nowSeconds = Math.floor(now.getTime() / 1000);
  if (typeof payload.iat !== "number" || payload.iat > nowSeconds + CLOCK_SKEW_SECONDS) {
    throw new GoogleTokenRejected("iat in the future");
  }
  // Google sends a boolean; some older flows sent the string "true".
  if (payload.email_verified !== true && payload.email_verified !== "true") {
    throw new GoogleTokenRejected("email not verified");
  }
  const { sub, email, name, picture } = payload;
  if (typeof sub !== "string" || sub === "" || sub.length > 255) throw new GoogleTokenRejected("bad sub");
  if (typeof email !== "string" || !email.includes("@")) throw new GoogleTokenRejected("bad email");
  // Every claim we store must be text PostgreSQL can hold (no NUL, well-formed Unicode); Google never sends
  // such values, so a token that has them is refused whole rather than trimmed (hardening item 5).
  for (const [claim, value] of [["sub", sub], ["email", email], ["name", name], ["picture", picture]] as const) {
    if (typeof value === "string" && !isStorableText(value)) throw new GoogleTokenRejected(`unstorable ${claim}`);
  }
  return {
    sub,
    email,
    name: typeof name === "string" ? name : undefined,
    picture: typeof picture === "string" ? picture : undefined,
  };
}

function isStorableText(value: string): boolean {
  return !value.includes("\u0000") && value.isWellFormed();
}
