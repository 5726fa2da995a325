import type { AppRouter } from "../router";
import { registerGetLimits } from "./get-limits";
import { registerGetMe } from "./get-me";
import { registerGetStats } from "./get-stats";
import { registerUpdateMe } from "./update-me";

export function mountUsers(router: AppRouter): void {
  registerGetMe(router);
  registerUpdateMe(router);
  registerGetLimits(router);
  registerGetStats(router);
}
