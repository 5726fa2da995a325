import type { AppRouter } from "../router";
import { registerListActivity } from "./list";

/** docs/recovery-and-activity.md activity log (a task's own history is `GET /tasks/{id}/history`, mounted with tasks). */
export function mountActivity(router: AppRouter): void {
  registerListActivity(router);
}
