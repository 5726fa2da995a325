import { z } from "@hono/zod-openapi";
import { TAG_NAME_MAX } from "../../db/schema/tags";
import { deleteTag } from "../../services/tags/delete";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, storableText } from "../shared-schemas";

const params = z.object({
  // No NUL (PostgreSQL text cannot hold it: a 500 otherwise); refused here, before any service runs. Runtime
  // takes padding (the service trims, then checks 1–TAG_NAME_MAX); the document states the tag's own limits.
  name: storableText(z.string().min(1).max(TAG_NAME_MAX * 4)).openapi({
    param: { name: "name", in: "path" },
    maxLength: TAG_NAME_MAX,
    pattern: "\\S",
    description: "The tag (URL-encoded; matched after trimming and lowercasing). No NUL characters.",
    example: "work",
  }),
});

const route = defineRoute({
  method: "delete",
  path: "/tags/{name}",
  tags: ["Tags"],
  summary: "Delete a tag everywhere",
  unitOfWork: true,
  description: "docs/tasks.md: removes the tag from all your tasks (each gets a new version) and deletes it. Unknown tag → 404.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params },
  responses: { 204: { description: "Deleted." } },
});

export function registerDeleteTag(router: AppRouter): void {
  router.openapi(route, async (c) => {
    await deleteTag({ ctx: c.get("services"), input: { name: c.req.valid("param").name } });
    return c.body(null, 204);
  });
}
