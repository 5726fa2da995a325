import { z } from "@hono/zod-openapi";
import { MAX_AUDIO_BYTES, transcribeNote } from "../../services/notes/transcribe";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { idempotencyHeaders, uuidParam, WRITE_ERRORS } from "../shared-schemas";
import { noteSchema } from "./schemas";

// No schema: the body is the raw file (OpenAPI 3.1 – a media type without a schema is any bytes).
const audioBody = {
  "audio/webm": {},
  "audio/ogg": {},
  "audio/wav": {},
  "audio/mpeg": {},
  "audio/mp4": {},
};

const transcriptionSchema = z
  .object({
    note: noteSchema.openapi({ description: "The note with the transcript appended (`source: voice`, `transcript_status: done`)." }),
    transcript: z.string().openapi({ description: "What Deepgram heard (appended after a blank line; cut to your plan's content limit if the note is full)." }),
    duration_seconds: z.number().int().openapi({ description: "Seconds of audio transcribed (rounded up), added to the note's `audio_duration_seconds`." }),
    credits_used: z.number().int().openapi({ description: "5 credits per started minute (configurable)." }),
  })
  .openapi("Transcription", {
    example: {
      note: {
        id: "5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
        task_id: null,
        content: "Groceries.\n\nBuy milk, eggs and coffee on the way home.",
        source: "voice",
        audio_duration_seconds: 61,
        transcript_status: "done",
        archived: false,
        version: 3,
        created_at: "2026-03-01T09:00:00.000Z",
        updated_at: "2026-03-01T09:01:10.000Z",
      },
      transcript: "Buy milk, eggs and coffee on the way home.",
      duration_seconds: 61,
      credits_used: 10,
    },
  });

const route = defineRoute({
  method: "post",
  path: "/notes/{id}/transcribe",
  tags: ["Notes", "Voice"],
  summary: "Transcribe an audio file into a note (Pro)",
  description:
    "docs/notes-and-voice.md#batch-transcription. The body is the audio itself (`Content-Type` one of audio/webm, audio/ogg, audio/wav, audio/mpeg, audio/mp4 – else `400 VALIDATION_ERROR`), at most 10 MB and 300 s (read from the container); every file refused as such – wrong type, too large, too long, not the declared container – is `400 VALIDATION_ERROR` with `details`, before anything is charged. Pro only (`403 TIER_REQUIRED`). Costs 5 credits per started minute, taken before Deepgram is called (`402 INSUFFICIENT_CREDITS`); a container that does not state its length is charged for 300 s and settled to the real length in the same step that appends the transcript. The transcript is appended to the note after a blank line. Deepgram failing or timing out → the credits are refunded exactly, the note's content is unchanged (`transcript_status: failed`), and `502 TRANSCRIPTION_FAILED` with `Retry-After`. Transcription not configured → `503 AI_SERVICE_UNAVAILABLE`. A retry with the same `Idempotency-Key` replays the answer without a second charge or a second transcription; while the first is still running it answers `409 IDEMPOTENCY_IN_PROGRESS`.",
  errors: [...WRITE_ERRORS, "NOT_FOUND", "TASK_ARCHIVED", "TIER_REQUIRED", "INSUFFICIENT_CREDITS", "TRANSCRIPTION_FAILED", "AI_SERVICE_UNAVAILABLE"],
  maxBodyBytes: MAX_AUDIO_BYTES,
  bodyRefusalStatus: 400,
  request: {
    params: uuidParam("The note id."),
    headers: idempotencyHeaders,
    body: { required: true, description: "The raw audio file (no multipart, no base64).", content: audioBody },
  },
  responses: { 200: { description: "The transcript appended to the note.", content: { "application/json": { schema: dataEnvelope(transcriptionSchema) } } } },
});

export function registerTranscribeNote(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await transcribeNote({
      ctx: c.get("services"),
      input: { noteId: c.req.valid("param").id, audio: await c.req.arrayBuffer(), contentType: c.req.header("content-type") },
    });
    return c.json({ data: result }, 200);
  });
}
