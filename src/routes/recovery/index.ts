import type { AppRouter } from "../router";
import { registerListRecoverable } from "./list";
import { registerRestore } from "./restore";

/** docs/recovery-and-activity.md deletion recovery. */
export function mountRecovery(router: AppRouter): void {
  registerListRecoverable(router);
  registerRestore(router);
}
