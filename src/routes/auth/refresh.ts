import { z } from "@hono/zod-openapi";
import { refreshSession } from "../../services/auth/refresh-session";
import type { AppRouter } from "../router";
import { dataEnvelope, defineRoute } from "../define-route";
import { NO_STORE, refreshTokenSchema, tokenPairExample, tokenPairSchema } from "./schemas";

const route = defineRoute({
  method: "post",
  path: "/auth/refresh",
  access: "public",
  rateLimit: "auth",
  tags: ["Authentication"],
  summary: "Rotate the refresh token and get a new access token",
  description:
    "Single use: the presented refresh token is revoked and a new pair is returned in the same session. Presenting a token that was already rotated ends the whole session (`401 REFRESH_TOKEN_REUSED`) – except within 10 s of its rotation, which is treated as the same client racing itself and answered `401 UNAUTHORIZED` without ending the session. Expired, unknown or logged-out tokens: `401 UNAUTHORIZED`. Of two parallel refreshes with one token exactly one gets a new pair.",
  errors: ["UNAUTHORIZED", "REFRESH_TOKEN_REUSED", "RATE_LIMITED"],
  request: {
    body: {
      required: true,
      content: {
        "application/json": {
          schema: z.strictObject({ refresh_token: refreshTokenSchema }).openapi({ example: { refresh_token: tokenPairExample.refresh_token } }),
        },
      },
    },
  },
  responses: {
    200: {
      description: "A new access token and refresh token.",
      headers: z.object({ "Cache-Control": z.literal("no-store") }),
      content: {
        "application/json": { schema: dataEnvelope(tokenPairSchema.openapi("TokenPair")).openapi({ example: { data: tokenPairExample } }) },
      },
    },
  },
});

export function registerRefresh(router: AppRouter): void {
  router.openapi(route, async (c) => {
    c.set("logAction", "auth.refresh");
    const tokens = await refreshSession({ ctx: c.get("services"), input: { refreshToken: c.req.valid("json").refresh_token } });
    return c.json({ data: tokens }, 200, NO_STORE);
  });
}
