import type { AppRouter } from "../router";
import { lazy } from "../../lib/lazy";

/** jwks.ts, imported on the first request for the key set (test/support/preload-resources.ts loads it first). */
export const loadJwks = lazy(() => import("./jwks"));

/**
 * RFC 8615 well-known URIs; mounted at the root by app.ts, not under /api/v1. The operation's declaration and
 * schemas are imported on its first request; the OpenAPI document mounts them eagerly (jwks.ts `registerJwks`).
 */
export function mountWellKnown(router: AppRouter): void {
  router.get("/.well-known/jwks.json", async (c) => (await loadJwks()).serveJwks(c));
}
