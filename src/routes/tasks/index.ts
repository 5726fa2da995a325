import type { AppRouter } from "../router";
import { registerForceCompleteTask, registerCompleteTask, registerReopenTask } from "./completion";
import { registerCreateTask } from "./create";
import { registerDeleteTask } from "./delete";
import { registerGetTask } from "./get";
import { registerTaskHistory } from "./history";
import { registerListTasks } from "./list";
import { registerUpdateTask } from "./update";

/** docs/tasks.md tasks (subtasks, tags, recovery and activity are their own resources). */
export function mountTasks(router: AppRouter): void {
  registerListTasks(router);
  registerCreateTask(router);
  registerGetTask(router);
  registerUpdateTask(router);
  registerDeleteTask(router);
  registerCompleteTask(router);
  registerReopenTask(router);
  registerForceCompleteTask(router);
  registerTaskHistory(router);
}
