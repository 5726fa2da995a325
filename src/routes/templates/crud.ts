import { z } from "@hono/zod-openapi";
import { updateTemplate } from "../../services/recurring/change";
import { createTemplate } from "../../services/recurring/create";
import { deleteTemplate } from "../../services/recurring/delete";
import { getTemplate, listTemplates } from "../../services/recurring/read";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { cursorParam, limitParam } from "../tasks/list-query";
import { AUTHED_ERRORS, idempotencyHeaders, ifMatchHeader, listEnvelope, uuidParam, WRITE_ERRORS, writeHeaders } from "../shared-schemas";
import { createTemplateBody, templateSchema, updateTemplateBody } from "./schemas";

const templateResponse = (description: string) => ({ description, content: { "application/json": { schema: dataEnvelope(templateSchema) } } });

const create = defineRoute({
  method: "post",
  path: "/templates",
  tags: ["Templates"],
  summary: "Create a recurring template",
  description:
    "docs/recurring.md. The rule is checked (RFC 5545 RRULE, IANA `timezone`, nothing more often than hourly; else `400 VALIDATION_ERROR` with the reason) and its first occurrence after now is generated as the first instance through the `recurring` queue; `open_instance_id` already names it. Free plan: at most 3 templates whose series has not ended (`FREE_MAX_TEMPLATES`), and the coming instance counts against the active-task limit → `409 LIMIT_EXCEEDED`, exact under concurrent requests. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "LIMIT_EXCEEDED"],
  request: { headers: idempotencyHeaders, body: { required: true, content: { "application/json": { schema: createTemplateBody } } } },
  responses: { 201: templateResponse("The created template.") },
});

const list = defineRoute({
  method: "get",
  path: "/templates",
  tags: ["Templates"],
  summary: "List recurring templates",
  description: "Newest first, cursor pagination. One database round trip.",
  errors: [...AUTHED_ERRORS],
  request: { query: z.strictObject({ limit: limitParam, cursor: cursorParam }) },
  responses: { 200: { description: "A page of templates.", content: { "application/json": { schema: listEnvelope(templateSchema) } } } },
});

const get = defineRoute({
  method: "get",
  path: "/templates/{id}",
  tags: ["Templates"],
  summary: "Get a recurring template",
  description: "One database round trip. Another user's template answers 404. `ETag` is the version.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The template id.") },
  responses: {
    200: {
      description: "The template.",
      headers: z.object({ ETag: z.string().openapi({ description: 'The version, e.g. `"2"`, for `If-Match`.', example: '"2"' }) }),
      content: { "application/json": { schema: dataEnvelope(templateSchema) } },
    },
  },
});

const update = defineRoute({
  method: "patch",
  path: "/templates/{id}",
  tags: ["Templates"],
  summary: "Update a recurring template",
  description:
    "docs/recurring.md \"Changing a template\": a change of `rrule`, `timezone`, `starts_at`, `until` or `count` recomputes the series from now (the open instance stays; a series has one end, so setting `until` replaces a stored `count` and the other way round – both at once → 400); `title`, `description`, `priority`, `tags` and `estimated_duration` apply to instances generated later. `version` (body or `If-Match`) is required; a stale one → `409 VERSION_CONFLICT` with the current template. Requires `Idempotency-Key`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "VERSION_CONFLICT", "LIMIT_EXCEEDED"],
  request: { params: uuidParam("The template id."), headers: writeHeaders, body: { required: true, content: { "application/json": { schema: updateTemplateBody } } } },
  responses: { 200: templateResponse("The updated template.") },
});

const remove = defineRoute({
  method: "delete",
  path: "/templates/{id}",
  tags: ["Templates"],
  summary: "Delete a recurring template",
  description: "Ends the series; its instances stay as ordinary tasks (`template_id` becomes null). `If-Match` is checked when sent.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND", "VERSION_CONFLICT"],
  request: { params: uuidParam("The template id."), headers: ifMatchHeader },
  responses: { 204: { description: "Deleted." } },
});

export function registerTemplateCrud(router: AppRouter): void {
  router.openapi(create, async (c) => c.json({ data: await createTemplate({ ctx: c.get("services"), input: c.req.valid("json") }) }, 201));
  router.openapi(list, async (c) => c.json(await listTemplates({ ctx: c.get("services"), input: c.req.valid("query") }), 200));
  router.openapi(get, async (c) => {
    const template = await getTemplate({ ctx: c.get("services"), input: { id: c.req.valid("param").id } });
    return c.json({ data: template }, 200, { ETag: `"${template.version}"` });
  });
  router.openapi(update, async (c) => {
    const input = { ...c.req.valid("json"), id: c.req.valid("param").id, ifMatch: c.req.valid("header")["if-match"] };
    return c.json({ data: await updateTemplate({ ctx: c.get("services"), input }) }, 200);
  });
  router.openapi(remove, async (c) => {
    await deleteTemplate({ ctx: c.get("services"), input: { id: c.req.valid("param").id, ifMatch: c.req.valid("header")["if-match"] } });
    return c.body(null, 204);
  });
}
