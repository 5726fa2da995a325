import { z } from "@hono/zod-openapi";
import { updateMe } from "../../services/users/update-me";
import type { AppRouter } from "../router";
import { dataEnvelope, defineRoute } from "../define-route";
import { IF_MATCH_PATTERN, expectedVersion } from "../../lib/patch";
import { idempotencyKeyHeader, WRITE_ERRORS } from "../shared-schemas";
import { timezoneSchema, userSchema } from "./schemas";

const body = z
  .strictObject({
    // The document states the trimmed rule as far as JSON Schema can: not blank (`\S`), https only.
    name: z.string().trim().min(1).max(100).optional().openapi({ pattern: "\\S", description: "1–100 characters (trimmed); not nullable." }),
    timezone: timezoneSchema.optional(),
    avatar_url: z
      .url({ protocol: /^https$/, message: "Must be an https URL." })
      .max(2048)
      .nullable()
      .optional()
      .openapi({ pattern: "^[Hh][Tt][Tt][Pp][Ss]://", description: "https URL; null removes the avatar." }),
    version: z.number().int().min(1).optional().openapi({ description: "The version you read (or send If-Match)." }),
  })
  .openapi({ example: { name: "Ada L.", timezone: "Europe/Paris", avatar_url: null, version: 3 } });

const route = defineRoute({
  method: "patch",
  path: "/users/me",
  tags: ["Users"],
  summary: "Update the signed-in user",
  unitOfWork: true,
  description:
    "docs/conventions.md#patch-semantics: an omitted field is unchanged, `null` clears `avatar_url` (name and timezone cannot be null), unknown fields are rejected. Optimistic locking (docs/conventions.md#optimistic-locking): send the `version` you read, in the body or as `If-Match: \"<version>\"`; a stale one answers `409 VERSION_CONFLICT` with the current user in `details.current`. `version` grows by 1 when something changes.",
  errors: ["VERSION_CONFLICT", ...WRITE_ERRORS],
  request: {
    headers: z.object({
      "idempotency-key": idempotencyKeyHeader("3f6c-rename"),
      "if-match": z
        .string()
        .optional()
        .openapi({ pattern: IF_MATCH_PATTERN, description: 'The version you read, e.g. `"3"` (alternative to the body field).', example: '"3"' }),
    }),
    body: { required: true, content: { "application/json": { schema: body } } },
  },
  responses: {
    200: { description: "The updated user.", content: { "application/json": { schema: dataEnvelope(userSchema) } } },
  },
});

export function registerUpdateMe(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const { version: bodyVersion, ...changes } = c.req.valid("json");
    // docs/conventions.md#optimistic-locking: the version from the body or If-Match; one is required.
    const version = expectedVersion({ bodyVersion, ifMatch: c.req.valid("header")["if-match"], required: true });
    // The response was stored with the write's idempotency record; send those very bytes (docs/conventions.md#idempotency).
    return c.json({ data: await updateMe({ ctx: c.get("services"), input: { ...changes, version } }) }, 200);
  });
}
