import type { AppRouter } from "./router";
import { mountHealth } from "./health";

/** The only place resources are mounted (STYLE §1); each resource registers its own operations. */
export function mountRoutes(api: AppRouter): void {
  mountHealth(api);
}
