import type { AppRouter } from "../router";
import { registerGoogleSignIn } from "./google";
import { registerLogout } from "./logout";
import { registerRefresh } from "./refresh";

/** docs/identity.md authentication: public operations (no access token), see middleware/auth.ts. */
export function mountAuth(router: AppRouter): void {
  registerGoogleSignIn(router);
  registerRefresh(router);
  registerLogout(router);
}
