import { z } from "@hono/zod-openapi";
import { listRecoverable } from "../../services/recovery/list";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, listEnvelope } from "../shared-schemas";

export const recoverableSchema = z
  .object({
    id: z.uuid().openapi({ description: "The tombstone id (restore with it)." }),
    entity_type: z.enum(["task", "note"]),
    entity_id: z.uuid().openapi({ description: "The deleted task's (or note's) id – restored with the same id." }),
    title: z.string().openapi({ description: "The task's title (a note: its first 100 characters)." }),
    subtask_count: z.number().int(),
    deleted_at: z.string().openapi({ format: "date-time" }),
    expires_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Recoverable", {
    example: {
      id: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
      entity_type: "task",
      entity_id: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b",
      title: "Write the quarterly report",
      subtask_count: 2,
      deleted_at: "2026-03-01T11:00:00.000Z",
      expires_at: "2026-03-08T11:00:00.000Z",
    },
  });

const route = defineRoute({
  method: "get",
  path: "/recovery",
  tags: ["Recovery"],
  summary: "Deleted items you can still restore",
  description: "docs/recovery-and-activity.md: your restorable deletions, newest first – at most the 3 most recent, each for 7 days. Never paginated (`next_cursor` is always null).",
  errors: [...AUTHED_ERRORS],
  responses: {
    200: { description: "Restorable deletions.", content: { "application/json": { schema: listEnvelope(recoverableSchema) } } },
  },
});

export function registerListRecoverable(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const items = await listRecoverable({ ctx: c.get("services") });
    return c.json({ data: items, next_cursor: null }, 200);
  });
}
