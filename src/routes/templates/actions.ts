import { controlTemplate, type TemplateAction } from "../../services/recurring/change";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { uuidParam, WRITE_ERRORS, writeHeaders } from "../shared-schemas";
import { templateSchema } from "./schemas";

const ACTIONS: Record<TemplateAction, { summary: string; description: string }> = {
  skip: {
    summary: "Skip the next occurrence",
    description:
      "docs/recurring.md: the open instance closes as `skipped` (archived, kept in the history) and the occurrence after it is generated; without an open instance the pending occurrence itself is skipped. A paused or ended series → `400 VALIDATION_ERROR`.",
  },
  pause: { summary: "Pause the series", description: "docs/recurring.md: stops generation; the open instance stays. Pausing a paused template changes nothing." },
  resume: {
    summary: "Resume the series",
    description:
      "docs/recurring.md: schedules from the next FUTURE occurrence (missed ones are not back-filled); without an open instance it is generated through the queue, counting against the active-task limit.",
  },
};

function actionRoute(action: TemplateAction) {
  const spec = ACTIONS[action];
  return defineRoute({
    method: "post",
    path: `/templates/{id}/${action}`,
    tags: ["Templates"],
    summary: spec.summary,
    description: `${spec.description} \`If-Match\` is optional and checked when sent (\`409 VERSION_CONFLICT\`). Requires \`Idempotency-Key\`.`,
    errors: [...WRITE_ERRORS, "NOT_FOUND", "VERSION_CONFLICT", ...(action === "resume" ? (["LIMIT_EXCEEDED"] as const) : [])],
    request: { params: uuidParam("The template id."), headers: writeHeaders },
    responses: { 200: { description: "The template after the change.", content: { "application/json": { schema: dataEnvelope(templateSchema) } } } },
  });
}

export function registerTemplateActions(router: AppRouter): void {
  for (const action of ["skip", "pause", "resume"] as const) {
    router.openapi(actionRoute(action), async (c) => {
      const result = await controlTemplate({ ctx: c.get("services"), input: { id: c.req.valid("param").id, action, ifMatch: c.req.valid("header")["if-match"] } });
      return c.json({ data: result }, 200);
    });
  }
}
