import type { AppRouter } from "../router";
import { registerCreateSubtask } from "./create";
import { registerDeleteSubtask } from "./delete";
import { registerReorderSubtasks } from "./reorder";
import { registerUpdateSubtask } from "./update";

/** docs/tasks.md subtasks. */
export function mountSubtasks(router: AppRouter): void {
  registerCreateSubtask(router);
  registerUpdateSubtask(router);
  registerDeleteSubtask(router);
  registerReorderSubtasks(router);
}
