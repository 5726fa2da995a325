import type { AppRouter } from "../router";
import { registerTemplateActions } from "./actions";
import { registerTemplateCrud } from "./crud";
import { registerTemplateReads } from "./series";

/** docs/recurring.md recurring templates. */
export function mountTemplates(router: AppRouter): void {
  registerTemplateCrud(router);
  registerTemplateReads(router);
  registerTemplateActions(router);
}
