import type { AppRouter } from "../router";
import { registerDeleteTag } from "./delete";
import { registerListTags } from "./list";

/** SPEC §3 tags. */
export function mountTags(router: AppRouter): void {
  registerListTags(router);
  registerDeleteTag(router);
}
