import { z } from "@hono/zod-openapi";
import { listInstances, previewOccurrences } from "../../services/recurring/read";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { cursorParam, limitParam } from "../tasks/list-query";
import { AUTHED_ERRORS, listEnvelope, uuidParam } from "../shared-schemas";
import { instanceEntrySchema, occurrenceSchema } from "./schemas";

const instances = defineRoute({
  method: "get",
  path: "/templates/{id}/instances",
  tags: ["Templates"],
  summary: "The series' history",
  description: "docs/recurring.md \"History\": the template's instances, newest occurrence first, each with `status` open | completed | skipped | deleted. Cursor pagination; one round trip.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The template id."), query: z.strictObject({ limit: limitParam, cursor: cursorParam }) },
  responses: { 200: { description: "A page of instances.", content: { "application/json": { schema: listEnvelope(instanceEntrySchema) } } } },
});

const occurrences = defineRoute({
  method: "get",
  path: "/templates/{id}/occurrences",
  tags: ["Templates"],
  summary: "Preview the coming occurrences",
  description:
    "docs/recurring.md \"Occurrence preview\": the next `limit` occurrences after now (1–50, default 10), in UTC and as the local wall time with offset. Creates nothing; fewer when the series ends (COUNT/UNTIL).",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: {
    params: uuidParam("The template id."),
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(50).default(10).openapi({ type: "integer", minimum: 1, maximum: 50, default: 10, description: "How many, 1–50 (default 10)." }),
    }),
  },
  responses: {
    200: {
      description: "The coming occurrences, soonest first.",
      content: {
        "application/json": {
          schema: dataEnvelope(z.array(occurrenceSchema)).openapi({
            example: {
              data: [
                { occurrence_at: "2026-03-23T08:00:00.000Z", local: "2026-03-23T09:00:00+01:00" },
                { occurrence_at: "2026-03-30T07:00:00.000Z", local: "2026-03-30T09:00:00+02:00" },
              ],
            },
          }),
        },
      },
    },
  },
});

export function registerTemplateReads(router: AppRouter): void {
  router.openapi(instances, async (c) => {
    const query = c.req.valid("query");
    return c.json(await listInstances({ ctx: c.get("services"), input: { id: c.req.valid("param").id, limit: query.limit, cursor: query.cursor } }), 200);
  });
  router.openapi(occurrences, async (c) => {
    const data = await previewOccurrences({ ctx: c.get("services"), input: { id: c.req.valid("param").id, limit: c.req.valid("query").limit } });
    return c.json({ data }, 200);
  });
}
