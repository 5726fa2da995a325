import { z } from "@hono/zod-openapi";
import { rejectionReason, signInWithGoogle } from "../../services/auth/sign-in-with-google";
import { timezoneSchema } from "../users/schemas";
import type { AppRouter } from "../router";
import { dataEnvelope, defineRoute } from "../define-route";
import { NO_STORE, signInSchema, tokenPairExample } from "./schemas";

const route = defineRoute({
  method: "post",
  path: "/auth/google",
  access: "public",
  rateLimit: "auth",
  tags: ["Authentication"],
  summary: "Sign in with a Google ID token",
  description:
    "The frontend completed Google's OAuth flow and sends the Google ID token. It is verified against Google's keys (RS256, issuer, audience, expiry with 300 s skew, verified e-mail). The first sign-in creates the account (tier free, kickstart AI credits, `timezone` if given, else UTC); later sign-ins refresh name and avatar from Google. Signing in ends the user's previous session (one active session per user). No access token needed; rate limited per client IP.",
  errors: ["OAUTH_VERIFICATION_FAILED", "RATE_LIMITED"],
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z
            .strictObject({
              id_token: z.string().min(1).max(8192).openapi({ description: "Google ID token (a JWT)." }),
              timezone: timezoneSchema.optional().openapi({ description: "IANA zone for a new account; ignored for an existing one." }),
            })
            .openapi({ example: { id_token: "eyJhbGciOiJSUzI1NiIsImtpZCI6Ii4uLiJ9…", timezone: "Europe/Berlin" } }),
        },
      },
    },
  },
  responses: {
    200: {
      description: "Signed in. `is_new_user` tells a first sign-in apart.",
      headers: z.object({ "Cache-Control": z.literal("no-store") }),
      content: {
        "application/json": {
          schema: dataEnvelope(signInSchema).openapi({
            example: {
              data: {
                ...tokenPairExample,
                user: {
                  id: "6f1c2b9e-8a41-4a53-9a3e-2f7d0c1b5e42",
                  email: "ada@example.com",
                  name: "Ada Lovelace",
                  avatar_url: "https://lh3.googleusercontent.com/a/photo",
                  timezone: "Europe/Berlin",
                  tier: "free",
                  version: 1,
                  created_at: "2026-03-01T09:00:00.000Z",
                  updated_at: "2026-03-01T09:00:00.000Z",
                },
                is_new_user: true,
              },
            },
          }),
        },
      },
    },
  },
});

export function registerGoogleSignIn(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const body = c.req.valid("json");
    c.set("logAction", "auth.google");
    const result = await signInWithGoogle({
      ctx: c.get("services"),
      input: {
        idToken: body.id_token,
        timezone: body.timezone,
        userAgent: c.req.header("User-Agent"),
        ip: c.req.header("CF-Connecting-IP"),
      },
    }).catch((error: unknown) => {
      const reason = rejectionReason(error);
      if (reason !== undefined) c.set("logOutcome", `rejected: ${reason}`);
      throw error;
    });
    c.set("userId", result.user.id);
    c.set("logOutcome", result.isNewUser ? "signed_up" : "signed_in");
    return c.json({ data: { ...result.tokens, user: result.user, is_new_user: result.isNewUser } }, 200, NO_STORE);
  });
}
