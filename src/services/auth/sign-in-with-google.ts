import { ApiError } from "../../errors/api-error";
import {
  GoogleKeysUnavailable,
  GoogleTokenRejected,
  verifyGoogleIdToken,
  type GoogleIdentity,
} from "../../integrations/google/verify-id-token";
import type { ServiceContext } from "../context";
import { signIn, type SignInResult } from "./sign-in";

export interface GoogleSignInInput {
  idToken: string;
  /** Canonical IANA zone for a first sign-in (validated by the route). */
  timezone: string | undefined;
  userAgent: string | undefined;
  ip: string | undefined;
}

/** Seconds a client should wait before retrying when Google's keys cannot be fetched. */
const KEYS_RETRY_AFTER_SECONDS = "5";

/**
 * `POST /auth/google` (docs/identity.md): verify the Google ID token, then sign in (one database round trip).
 * A token we refuse is `401 OAUTH_VERIFICATION_FAILED`, with the reason kept for the log line only.
 * Google being unreachable while we hold none of its keys is not the token's fault, so it answers
 * `503 SERVICE_UNAVAILABLE` with Retry-After instead – a client retries rather than restarting the
 * OAuth dance (with keys cached, stale keys are used and sign-in keeps working).
 */
export async function signInWithGoogle({ ctx, input }: { ctx: ServiceContext; input: GoogleSignInInput }): Promise<SignInResult> {
  let identity: GoogleIdentity;
  try {
    identity = await verifyGoogleIdToken(ctx.config, input.idToken, ctx.clock.now());
  } catch (error) {
    if (error instanceof GoogleTokenRejected) {
      throw new ApiError("OAUTH_VERIFICATION_FAILED", { cause: error });
    }
    if (error instanceof GoogleKeysUnavailable) {
      throw new ApiError("SERVICE_UNAVAILABLE", {
        message: "Google's signing keys are unreachable; retry shortly.",
        headers: { "Retry-After": KEYS_RETRY_AFTER_SECONDS },
        cause: error,
      });
    }
    throw error;
  }
  if (identity.email.length > 320) throw new ApiError("OAUTH_VERIFICATION_FAILED", { message: "The Google account's e-mail address is too long." });
  return signIn({ ctx, input: { identity, timezone: input.timezone, userAgent: input.userAgent, ip: input.ip } });
}

/** For the request log: why a Google token was refused (our own words or jose's error code, never the token). */
export function rejectionReason(error: unknown): string | undefined {
  return error instanceof ApiError && error.cause instanceof GoogleTokenRejected ? error.cause.reason : undefined;
}
