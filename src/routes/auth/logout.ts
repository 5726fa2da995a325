import { z } from "@hono/zod-openapi";
import { ApiError } from "../../errors/api-error";
import { actAsUser, bearerToken, verifiedBearer } from "../../middleware/auth";
import { logout } from "../../services/auth/logout";
import type { AppRouter } from "../router";
import { defineRoute } from "../define-route";
import { refreshTokenSchema, tokenPairExample } from "./schemas";

const route = defineRoute({
  method: "post",
  path: "/auth/logout",
  access: "public",
  rateLimit: "auth",
  tags: ["Authentication"],
  summary: "End the session",
  description:
    "Revokes the session and all its refresh tokens at once. Identify the session with the refresh token in the body (works after the access token expired) or, without a body, with `Authorization: Bearer <access token>`. Repeating a logout succeeds again. Access tokens are stateless: one already issued stays valid until it expires (at most 15 minutes) – clients should drop it.",
  errors: ["UNAUTHORIZED", "RATE_LIMITED"],
  request: {
    body: {
      required: false,
      content: {
        "application/json": {
          schema: z.strictObject({ refresh_token: refreshTokenSchema }).openapi({ example: { refresh_token: tokenPairExample.refresh_token } }),
        },
      },
    },
  },
  responses: { 204: { description: "The session has ended." } },
});

export function registerLogout(router: AppRouter): void {
  router.openapi(route, async (c) => {
    c.set("logAction", "auth.logout");
    const ctx = c.get("services");
    // Without a JSON body zod-openapi skips the optional body, and valid("json") holds nothing.
    const refreshToken = (c.req.valid("json") as { refresh_token?: string } | undefined)?.refresh_token;
    if (refreshToken !== undefined) {
      await logout({ ctx, input: { refreshToken } });
    } else {
      if (bearerToken(c) === undefined) throw new ApiError("UNAUTHORIZED", { message: "Send the refresh token in the body or an access token in the Authorization header." });
      // An expired access token cannot end a session either (this operation documents only UNAUTHORIZED).
      const claims = await verifiedBearer(c).catch(() => undefined);
      if (claims === undefined) throw new ApiError("UNAUTHORIZED", { message: "The access token is not valid.", headers: { "WWW-Authenticate": 'Bearer error="invalid_token"' } });
      actAsUser(c, claims);
      await logout({ ctx, input: { userId: claims.userId, sessionId: claims.sessionId } });
    }
    return c.body(null, 204);
  });
}
