import type { AppRouter } from "../router";
import { registerEndFocusSession } from "./end";
import { registerListFocusSessions } from "./list";
import { registerStartFocusSession } from "./start";
import { registerFocusStats } from "./stats";

/** docs/reminders-notifications-realtime.md focus mode. */
export function mountFocus(router: AppRouter): void {
  registerStartFocusSession(router);
  registerEndFocusSession(router);
  registerListFocusSessions(router);
  registerFocusStats(router);
}
