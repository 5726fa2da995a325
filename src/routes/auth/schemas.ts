import { z } from "@hono/zod-openapi";
import { userSchema } from "../users/schemas";

export const tokenPairSchema = z.object({
  access_token: z.string().openapi({ description: "RS256 JWT; send as `Authorization: Bearer …`." }),
  refresh_token: z.string().openapi({ description: "Opaque; single use – each refresh returns a new one." }),
  token_type: z.literal("Bearer"),
  expires_in: z.number().int().openapi({ description: "Seconds until the access token expires." }),
});

export const signInSchema = tokenPairSchema
  .extend({
    user: userSchema,
    is_new_user: z.boolean().openapi({ description: "True on the first sign-in (the account was just created)." }),
  })
  .openapi("SignIn");

export const tokenPairExample = {
  access_token: "eyJhbGciOiJSUzI1NiIsImtpZCI6ImtleS0xIiwidHlwIjoiSldUIn0.eyJzdWIiOiIuLi4ifQ.c2lnbmF0dXJl",
  refresh_token: "o3Q9v0Zb0m0bX8sQmCw3c8f2Xx5WQnTq2o3a1kq9xYw",
  token_type: "Bearer" as const,
  expires_in: 900,
};

export const refreshTokenSchema = z
  .string()
  .min(1)
  .max(512)
  .openapi({ description: "The refresh token of the last sign-in or refresh." });

/** Tokens must never be cached by a browser or proxy (RFC 6749 §5.1). */
export const NO_STORE = { "Cache-Control": "no-store", Pragma: "no-cache" } as const;
