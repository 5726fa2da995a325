import { z } from "@hono/zod-openapi";
import { listTags } from "../../services/tags/list";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS } from "../shared-schemas";

const tagSchema = z
  .object({
    name: z.string().openapi({ description: "Lowercased and trimmed." }),
    task_count: z.number().int().openapi({ description: "Tasks carrying the tag (completed, hidden and archived included)." }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Tag", { example: { name: "work", task_count: 12, created_at: "2026-03-01T09:00:00.000Z" } });

const route = defineRoute({
  method: "get",
  path: "/tags",
  tags: ["Tags"],
  summary: "Your tags with task counts",
  description: "docs/tasks.md: every tag you have used, by name, with the number of tasks carrying it. One database round trip.",
  errors: [...AUTHED_ERRORS],
  responses: {
    200: { description: "All your tags.", content: { "application/json": { schema: dataEnvelope(z.array(tagSchema)) } } },
  },
});

export function registerListTags(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await listTags({ ctx: c.get("services") }) }, 200));
}
