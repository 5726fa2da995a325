import type { AppRouter } from "../router";
import { registerLive } from "./live";
import { registerReady } from "./ready";

export function mountHealth(router: AppRouter): void {
  registerLive(router);
  registerReady(router);
}
