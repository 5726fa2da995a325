import { z } from "@hono/zod-openapi";
import { ACTIVITY_ACTORS } from "../../db/schema/activity";

export const activityEntrySchema = z
  .object({
    id: z.uuid(),
    entity_type: z.string().openapi({ description: "task, subtask, tag, note, …" }),
    entity_id: z.uuid(),
    action: z.string().openapi({ description: "created, updated, completed, reopened, deleted, restored, …" }),
    actor: z.enum(ACTIVITY_ACTORS).openapi({ description: "Who made the change: the user, the AI (confirmed by the user), the system." }),
    changes: z.record(z.string(), z.unknown()).openapi({ description: "Field diffs: `{field: {from, to}}`." }),
    request_id: z.string().nullable().openapi({ description: "The request that made the change." }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("ActivityEntry", {
    example: {
      id: "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
      entity_type: "task",
      entity_id: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b",
      action: "updated",
      actor: "user",
      changes: { title: { from: "Write report", to: "Write the Q1 report" } },
      request_id: "01J9Z3K4QW8X6N2B7C5D",
      created_at: "2026-03-01T10:30:00.000Z",
    },
  });
