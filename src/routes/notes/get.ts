import { z } from "@hono/zod-openapi";
import { getNote } from "../../services/notes/get";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, uuidParam } from "../shared-schemas";
import { noteSchema } from "./schemas";

const route = defineRoute({
  method: "get",
  path: "/notes/{id}",
  tags: ["Notes"],
  summary: "Get a note",
  description: "docs/notes-and-voice.md. One database round trip. Another user's note answers 404 like a missing one.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The note id.") },
  responses: {
    200: {
      description: "The note.",
      headers: z.object({ ETag: z.string().openapi({ description: 'The note\'s version as an entity tag, e.g. `"3"`; send it back as `If-Match`.', example: '"3"' }) }),
      content: { "application/json": { schema: dataEnvelope(noteSchema) } },
    },
  },
});

export function registerGetNote(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const note = await getNote({ ctx: c.get("services"), input: { id: c.req.valid("param").id } });
    return c.json({ data: note }, 200, { ETag: `"${note.version}"` });
  });
}
