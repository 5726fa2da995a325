import type { AppRouter } from "../router";
import { registerJwks } from "./jwks";

/** RFC 8615 well-known URIs; mounted at the root by app.ts, not under /api/v1. */
export function mountWellKnown(router: AppRouter): void {
  registerJwks(router);
}
