import { z } from "@hono/zod-openapi";
import { NOTE_CONTENT_MAX, NOTE_SOURCES, TRANSCRIPT_STATUSES } from "../../db/schema/notes";
import { storableText } from "../shared-schemas";

const instant = (description: string) => z.string().openapi({ format: "date-time", description, example: "2026-03-01T09:00:00.000Z" });

export const noteContentSchema = storableText(z.string().max(NOTE_CONTENT_MAX)).openapi({
  description: "≤ 2000 characters on the free plan, ≤ 10000 on Pro (configurable); longer → `400 VALIDATION_ERROR` naming the limit.",
  example: "Call the printer about the March invoice.",
});

export const noteSchema = z
  .object({
    id: z.uuid(),
    task_id: z.uuid().nullable().openapi({ description: "The task the note belongs to; null for a standalone note." }),
    content: z.string(),
    source: z.enum(NOTE_SOURCES).openapi({ description: "`voice` once a transcript was appended." }),
    audio_duration_seconds: z.number().int().nullable().openapi({ description: "Total seconds of audio transcribed into the note; null before any." }),
    transcript_status: z.enum(TRANSCRIPT_STATUSES).openapi({ description: "`pending` while a transcription runs; `done` or `failed` after the last one." }),
    archived: z.boolean().openapi({ description: "Archived notes are left out of `GET /notes` unless `archived=true`; they stay editable." }),
    version: z.number().int().openapi({ description: "Optimistic-locking version (docs/conventions.md#optimistic-locking)." }),
    created_at: instant("Creation time."),
    updated_at: instant("Last change."),
  })
  .openapi("Note", {
    example: {
      id: "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      task_id: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b",
      content: "Call the printer about the March invoice.",
      source: "text",
      audio_duration_seconds: null,
      transcript_status: "none",
      archived: false,
      version: 1,
      created_at: "2026-03-01T09:00:00.000Z",
      updated_at: "2026-03-01T09:00:00.000Z",
    },
  });

export const noteDeletionSchema = z
  .object({
    tombstone_id: z.uuid().openapi({ description: "Pass to `POST /recovery/{tombstone_id}/restore` to undo." }),
    entity_type: z.literal("note"),
    entity_id: z.uuid(),
    expires_at: z.string().openapi({ format: "date-time", description: "Restorable until then (7 days), if still among your 3 most recent deletions." }),
  })
  .openapi("NoteDeletion", {
    example: {
      tombstone_id: "c1d2e3f4-a5b6-4c7d-8e9f-0a1b2c3d4e5f",
      entity_type: "note",
      entity_id: "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
      expires_at: "2026-03-08T09:00:00.000Z",
    },
  });
