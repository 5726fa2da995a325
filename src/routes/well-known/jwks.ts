import { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { loadSigningKeys } from "../../lib/jwt-keys";
import type { AppRouter } from "../router";
import { defineRoute } from "../define-route";

const jwk = z
  .object({ kty: z.literal("RSA"), kid: z.string(), alg: z.literal("RS256"), use: z.literal("sig"), n: z.string(), e: z.string() })
  .openapi("Jwk");

const route = defineRoute({
  method: "get",
  path: "/.well-known/jwks.json",
  access: "public",
  tags: ["Authentication"],
  summary: "Public keys that sign our access tokens",
  description:
    "JWKS (RFC 7517) of the current signing key and of retired keys whose tokens may still be live (docs/identity.md). Verify access tokens with RS256 and these keys, matching `kid`; on an unknown `kid`, fetch this document again.",
  database: false,
  responses: {
    200: {
      description: "The key set. Cacheable for 5 minutes.",
      headers: z.object({ "Cache-Control": z.string() }),
      content: { "application/json": { schema: z.object({ keys: z.array(jwk) }).openapi("Jwks") } },
    },
  },
});

// Short enough that a rotation reaches verifiers quickly; verifiers refetch on an unknown kid anyway.
const CACHE_CONTROL = "public, max-age=300";

/** The key set (RFC 7517) of the current and the still-trusted retired signing keys. */
export async function serveJwks(c: Context<AppEnv>) {
  const { jwks } = await loadSigningKeys(c.get("config"));
  const keys = jwks.keys.map((key) => ({ kty: "RSA" as const, kid: String(key.kid), alg: "RS256" as const, use: "sig" as const, n: String(key.n), e: String(key.e) }));
  return c.json({ keys }, 200, { "Cache-Control": CACHE_CONTROL });
}

/** The operation as the OpenAPI document declares it (src/openapi-document.ts). */
export function registerJwks(router: AppRouter): void {
  router.openapi(route, serveJwks);
}
