import type { AppRouter } from "../router";
import { registerDeleteTag } from "./delete";
import { registerListTags } from "./list";

/** docs/tasks.md tags. */
export function mountTags(router: AppRouter): void {
  registerListTags(router);
  registerDeleteTag(router);
}
