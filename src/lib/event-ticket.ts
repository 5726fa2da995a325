import { SignJWT, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { ACCESS_TOKEN_ALG, loadSigningKeys } from "./jwt-keys";
import type { AccessTokenConfig } from "./jwt";

/**
 * Stream tickets (docs/reminders-notifications-realtime.md "Tickets"): what a browser's `EventSource`, which
 * cannot send an `Authorization` header, puts in `GET /events/stream?ticket=` instead of an access token.
 *
 * A ticket is a JWT signed with the Worker's own RS256 key (lib/jwt-keys.ts) carrying the user (`sub`), a
 * random `jti` and a 60 s `exp`. The signature lets any isolate find the user's hub without a database; the
 * hub records the `jti` when the ticket is used, which makes it single use. Its audience and `typ` differ from
 * an access token's, so neither is ever accepted as the other (an access token in a URL is refused).
 */
export const TICKET_TTL_SECONDS = 60;
const TICKET_TYP = "event-ticket+jwt";

export interface EventTicket {
  userId: string;
  jti: string;
  /** Epoch ms. */
  expiresAt: number;
}

export function ticketAudience(config: Pick<AccessTokenConfig, "JWT_AUDIENCE">): string {
  return `${config.JWT_AUDIENCE}:events`;
}

export async function signEventTicket(config: AccessTokenConfig, userId: string, now: Date): Promise<{ ticket: string; expiresAt: Date }> {
  const keys = await loadSigningKeys(config);
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + TICKET_TTL_SECONDS;
  const ticket = await new SignJWT({})
    .setProtectedHeader({ alg: ACCESS_TOKEN_ALG, kid: keys.kid, typ: TICKET_TYP })
    .setSubject(userId)
    .setIssuer(config.JWT_ISSUER)
    .setAudience(ticketAudience(config))
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .setJti(crypto.randomUUID())
    .sign(keys.privateKey);
  return { ticket, expiresAt: new Date(expiresAt * 1000) };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The ticket's user, id and expiry, or undefined for anything that is not a valid, unexpired ticket of ours
 * (forged, expired, an access token, garbage). Whether it was used already only the user's hub knows.
 */
export async function verifyEventTicket(config: AccessTokenConfig, ticket: string, now: Date): Promise<EventTicket | undefined> {
  const keys = await loadSigningKeys(config);
  try {
    const header = decodeProtectedHeader(ticket);
    if (header.typ !== TICKET_TYP || typeof header.kid !== "string") return undefined;
    const { payload } = await jwtVerify(ticket, keys.keyFor, {
      algorithms: [ACCESS_TOKEN_ALG],
      issuer: config.JWT_ISSUER,
      audience: ticketAudience(config),
      typ: TICKET_TYP,
      currentDate: now,
      // No leeway: "valid 60 s" (SPEC §11).
      clockTolerance: 0,
      requiredClaims: ["sub", "jti", "iat", "exp"],
    });
    const { sub, jti, exp } = payload;
    if (typeof sub !== "string" || !UUID.test(sub) || typeof jti !== "string" || typeof exp !== "number") return undefined;
    return { userId: sub, jti, expiresAt: exp * 1000 };
  } catch (error) {
    if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
    throw error;
  }
}
