import type { AppRouter } from "../router";
import { registerListRecoverable } from "./list";
import { registerRestore } from "./restore";

/** SPEC §4 deletion recovery. */
export function mountRecovery(router: AppRouter): void {
  registerListRecoverable(router);
  registerRestore(router);
}
