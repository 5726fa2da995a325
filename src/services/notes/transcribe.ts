import { sql } from "drizzle-orm";
import { ApiError, NotFound, ValidationFailed } from "../../errors/api-error";
import { DeepgramFailure, transcribePrerecorded, type PrerecordedResult } from "../../integrations/deepgram/prerecorded";
import { sha256Hex } from "../../lib/hashing";
import { diffFields } from "../../lib/patch";
import type { ServiceContext } from "../context";
import { consumeCredits } from "../credits/consume";
import { refundCredits } from "../credits/refund";
import { guard } from "../guards";
import { claimInBatchStatement, claimUntil, evaluateRecord, lookupStatement, releaseClaimStatement } from "../idempotency/records";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { requireUserId } from "../users/get-me";
import { cutToLimit, joinTranscript } from "./append-transcript";
import { audioDuration, audioFormatOf } from "./audio-duration";
import { noteJsonSql, presentNote, type Note, type NoteLimits, type NoteRecord } from "./present";
import { checkNoteWritable, noteForWriteStatement, noteWriterStatement, toNoteWriter } from "./write-support";

/** SPEC §6: at most 300 s and 10 MB of audio per batch transcription. */
export const MAX_AUDIO_SECONDS = 300;
export const MAX_AUDIO_BYTES = 10 * 1024 * 1024;
/** What a client is told to wait before retrying a failed transcription (`Retry-After`). */
export const RETRY_AFTER_SECONDS = 30;

export interface TranscribeInput {
  noteId: string;
  audio: ArrayBuffer;
  contentType: string | undefined;
}

export interface TranscriptionResult {
  note: Note;
  /** The text appended to the note (before any cut to the plan's content limit). */
  transcript: string;
  /** Seconds of audio transcribed (added to the note's `audio_duration_seconds`). */
  duration_seconds: number;
  /** Credits this transcription cost: 5 per started minute (AI_CREDIT_TRANSCRIPTION_PER_MIN). */
  credits_used: number;
}

/** A charge made by step 1, settled by step 3. */
interface Charge {
  reference: string;
  credits: number;
  /** The container did not state the duration: charged for 300 s, settled to Deepgram's duration. */
  provisional: boolean;
}

/**
 * `POST /notes/{id}/transcribe` (docs/notes-and-voice.md#batch-transcription): a write that spans an external
 * call, so it cannot be one batch. Three round trips (plus Deepgram) on the happy path:
 *
 * 1. Checks that need no database (all 400 VALIDATION_ERROR): the content type, the size, a container that states more than 300 s or is not
 *    the declared format (400), Deepgram configured (503). Round trip 1 reads the Idempotency-Key's record
 *    (replay / 422 / 409 as usual), the note (404, TASK_ARCHIVED), the tier (403 TIER_REQUIRED) and this key's
 *    earlier charges on this note.
 * 2. Round trip 2, its own committed batch: the key is CLAIMED (`in_progress` with a lease longer than the
 *    Deepgram deadline – a duplicate meanwhile answers 409 IDEMPOTENCY_IN_PROGRESS), the credits are consumed
 *    (402 aborts everything) and the note goes `transcript_status: pending`.
 * 3. Deepgram's pre-recorded API. Success → round trip 3: the transcript appended (`source: voice`,
 *    `audio_duration_seconds` +=, `done`), a provisional charge settled, the activity entry and the completed
 *    idempotency record with this exact response – one batch. Failure (5xx, timeout, malformed) → round trip
 *    3': the charge refunded exactly, the note `failed` (content untouched), the claim released so a retry with
 *    the same key runs again – and `502 TRANSCRIPTION_FAILED` with `Retry-After`.
 *
 * Never twice charged: the consumption's reference names the note and a digest of the Idempotency-Key; a
 * request that finds this key's consumption unrefunded with the note still `pending` (the Worker died between
 * steps and the lease ran out) resumes with that charge instead of taking another one.
 */
export async function transcribeNote({ ctx, input }: { ctx: ServiceContext; input: TranscribeInput }): Promise<TranscriptionResult> {
  const userId = requireUserId(ctx);
  const format = audioFormatOf(input.contentType);
  if (format === undefined) {
    throw new ValidationFailed(
      [{ field: "header.content-type", reason: `Unsupported media type ${input.contentType ?? "(none)"}.` }],
      "The audio must be sent as audio/webm, audio/ogg, audio/wav, audio/mpeg or audio/mp4.",
    );
  }
  if (input.audio.byteLength === 0) throw new ValidationFailed([{ field: "body", reason: "The request carries no audio." }], "The request carries no audio.");
  if (input.audio.byteLength > MAX_AUDIO_BYTES) throw new ValidationFailed([{ field: "body", reason: "At most 10 MB." }], "The audio is larger than 10 MB.");
  const duration = audioDuration(new Uint8Array(input.audio), format);
  if (duration.kind === "invalid") throw new ValidationFailed([{ field: "body", reason: duration.reason }], `The body is not a valid ${format} file.`);
  if (duration.kind === "known" && duration.seconds > MAX_AUDIO_SECONDS) {
    throw new ValidationFailed(
      [{ field: "body", reason: `The audio lasts ${Math.ceil(duration.seconds)} s; at most ${MAX_AUDIO_SECONDS} s.` }],
      `Audio longer than ${MAX_AUDIO_SECONDS} seconds cannot be transcribed.`,
    );
  }
  const apiKey = ctx.config.DEEPGRAM_API_KEY;
  if (apiKey === undefined) throw new ApiError("AI_SERVICE_UNAVAILABLE", { message: "Transcription is not configured on this server." });

  const knownSeconds = duration.kind === "known" ? duration.seconds : undefined;
  const started = await start(ctx, userId, input, knownSeconds);
  let heard: PrerecordedResult;
  try {
    heard = await transcribePrerecorded({
      baseUrl: ctx.config.DEEPGRAM_BASE_URL,
      apiKey,
      audio: input.audio,
      contentType: input.contentType ?? "application/octet-stream",
      timeoutMs: ctx.config.DEEPGRAM_TIMEOUT_SECONDS * 1000,
    });
  } catch (error) {
    if (!(error instanceof DeepgramFailure)) throw error;
    ctx.log.warn("transcription failed", { note_id: input.noteId, kind: error.kind, status: error.status });
    await fail(ctx, userId, started);
    throw new ApiError("TRANSCRIPTION_FAILED", {
      message: `The transcription service failed (${error.message}); your ${started.charge.credits} credits were refunded. Retry in ${RETRY_AFTER_SECONDS} s.`,
      headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
      details: { retry_after_seconds: RETRY_AFTER_SECONDS, credits_refunded: started.charge.credits },
    });
  }
  return finish(ctx, userId, started, heard, knownSeconds);
}

interface Started {
  note: Note;
  limits: NoteLimits;
  charge: Charge;
}

/** 5 credits (configurable) per started minute; a file shorter than a second still starts a minute. */
function creditsFor(ctx: ServiceContext, seconds: number): number {
  return Math.max(1, Math.ceil(seconds / 60)) * ctx.config.AI_CREDIT_TRANSCRIPTION_PER_MIN;
}

async function referencePrefix(ctx: ServiceContext, noteId: string): Promise<string> {
  const scope = ctx.idempotency;
  const digest = await sha256Hex(scope === undefined ? ctx.requestId : scope.key);
  return `transcription:${noteId}:${digest.slice(0, 32)}:`;
}

/** Steps 1–2: the checks and the committed charge + claim + `pending` (see transcribeNote). */
async function start(ctx: ServiceContext, userId: string, input: TranscribeInput, knownSeconds: number | undefined): Promise<Started> {
  const { idempotency: scope, ...bare } = ctx;
  const prefix = await referencePrefix(ctx, input.noteId);
  const now = ctx.clock.now();
  const stamp = now.toISOString();
  const started = await runWrite(bare, { operation: "notes.transcribe_start", subjectId: input.noteId }, async (unit) => {
    const record = scope === undefined || scope.checked ? undefined : unit.read(lookupStatement(ctx, scope));
    const noteRows = unit.read(noteForWriteStatement(ctx, userId, input.noteId));
    const writerRows = unit.read(noteWriterStatement(ctx, userId));
    const charges = unit.read(
      ctx.db.execute<{ reference: string; consumed: string | number; refunds: string | number }>(sql`
        select reference, -coalesce(sum(amount) filter (where kind = 'consume'), 0) as consumed,
          count(*) filter (where kind = 'refund') as refunds
        from credit_ledger
        where user_id = ${userId} and kind in ('consume', 'refund') and left(reference, ${prefix.length}) = ${prefix}
        group by reference
        order by min(created_at)`),
    );
    await unit.load();
    if (record !== undefined && scope !== undefined) {
      evaluateRecord(record.result.rows[0], scope, now);
      scope.checked = true;
    }
    const current = checkNoteWritable(noteRows.result.rows[0], undefined);
    const writer = toNoteWriter(ctx, writerRows.result.rows[0]);
    if (writer.tier !== "pro") throw new ApiError("TIER_REQUIRED", { message: "Transcription is a Pro feature." });

    const provisional = knownSeconds === undefined;
    const earlier = charges.result.rows.find((row) => Number(row.consumed) > 0 && Number(row.refunds) === 0);
    const resumed = earlier !== undefined && current.transcript_status === "pending";
    const charge: Charge = resumed
      ? { reference: earlier.reference, credits: Number(earlier.consumed), provisional }
      : { reference: `${prefix}${crypto.randomUUID().slice(0, 8)}`, credits: creditsFor(ctx, knownSeconds ?? MAX_AUDIO_SECONDS), provisional };
    if (scope !== undefined) unit.write(claimInBatchStatement(unit.ctx, scope, now, leaseSeconds(ctx)));
    if (!resumed) consumeCredits({ ctx: unit.ctx, input: { userId, amount: charge.credits, reason: "transcription", reference: charge.reference } });
    const note = presentNote({ ...current, transcript_status: "pending", version: current.version + 1, updated_at: stamp });
    unit.writeAll([
      ctx.db.execute(sql`update notes set transcript_status = 'pending', version = version + 1, updated_at = ${stamp}::timestamptz
        where id = ${note.id} and user_id = ${userId} and version = ${current.version}`),
      // Deleted or changed since round trip 1: decide again on fresh reads (a deleted note is then 404).
      ctx.db.execute(sql`select ${guard("STATE_MOVED", sql`exists (select 1 from notes where id = ${note.id} and user_id = ${userId} and xmin = pg_current_xact_id()::xid)`)}`),
    ]);
    return { note, limits: writer.limits, charge };
  });
  // The batch committed: the claim is ours; step 3 completes exactly this lease (completionStatement).
  if (scope !== undefined) scope.claim = claimUntil(now, leaseSeconds(ctx));
  return started;
}

/** The claim outlives the Deepgram deadline, so a live request is never taken over by its own retry. */
function leaseSeconds(ctx: ServiceContext): number {
  return ctx.config.DEEPGRAM_TIMEOUT_SECONDS + 60;
}

/** Step 3, success: one batch appends the transcript, settles a provisional charge and completes the key. */
async function finish(ctx: ServiceContext, userId: string, started: Started, heard: PrerecordedResult, knownSeconds: number | undefined): Promise<TranscriptionResult> {
  const seconds = knownSeconds ?? heard.duration;
  const charged = started.charge.credits;
  // Settle only downwards: a provisional charge covered the 300 s maximum.
  const credits = started.charge.provisional ? Math.min(charged, creditsFor(ctx, heard.duration)) : charged;
  let seen: Note | undefined = started.note;
  try {
    return await runWrite(ctx, { operation: "notes.transcribe", subjectId: started.note.id, status: 200 }, async (unit) => {
      const current = seen ?? (await reread(unit, userId, started.note.id));
      seen = undefined;
      const stamp = ctx.clock.now().toISOString();
      const joined = joinTranscript(current.content, heard.transcript);
      const note = presentNote({
        ...current,
        content: cutToLimit(joined, started.limits.max_content_length),
        source: "voice",
        audio_duration_seconds: (current.audio_duration_seconds ?? 0) + Math.ceil(seconds),
        transcript_status: "done",
        version: current.version + 1,
        updated_at: stamp,
      });
      unit.writeAll([
        ctx.db.execute(sql`update notes set content = ${note.content}, source = 'voice', audio_duration_seconds = ${note.audio_duration_seconds}::int,
            transcript_status = 'done', version = ${note.version}, updated_at = ${stamp}::timestamptz
          where id = ${note.id} and user_id = ${userId} and version = ${current.version}`),
        // Edited meanwhile (or deleted): run again on the note as it is now.
        ctx.db.execute(sql`select ${guard("STATE_MOVED", sql`exists (select 1 from notes where id = ${note.id} and user_id = ${userId} and xmin = pg_current_xact_id()::xid)`)}`),
      ]);
      if (credits < charged) {
        refundCredits({ ctx: unit.ctx, input: { userId, reference: started.charge.reference, reason: "transcription_settled" } });
        consumeCredits({ ctx: unit.ctx, input: { userId, amount: credits, reason: "transcription", reference: `${started.charge.reference}:settled` } });
      }
      const before = { ...current, transcript_status: "none" as const };
      unit.emit({ type: "note.transcribed", note, outcome: "done", changes: diffFields(before, note, ["content", "source", "audio_duration_seconds", "transcript_status"]) });
      return { note, transcript: heard.transcript, duration_seconds: Math.ceil(seconds), credits_used: credits };
    });
  } catch (error) {
    if (!(error instanceof NoteGone)) throw error;
    // Deleted while Deepgram worked: nothing to append to – refund and say so.
    await fail(ctx, userId, started);
    throw new NotFound("Note");
  }
}

class NoteGone extends Error {}

async function reread(unit: WriteUnit, userId: string, noteId: string): Promise<Note> {
  const rows = unit.read(unit.ctx.db.execute<{ note: NoteRecord }>(sql`select ${noteJsonSql("n")} as note from notes n where n.id = ${noteId} and n.user_id = ${userId}`));
  await unit.load();
  const row = rows.result.rows[0];
  if (row === undefined) throw new NoteGone();
  return presentNote(row.note);
}

/**
 * Step 3, failure: one batch refunds the charge exactly, marks the note `failed` (content untouched; a note
 * deleted meanwhile stays deleted) and releases the key's claim, so a retry with the same key runs again (5xx
 * answers are never stored, docs/conventions.md#idempotency). Outside the request's key: nothing is stored.
 */
async function fail(ctx: ServiceContext, userId: string, started: Started): Promise<void> {
  const { idempotency: scope, ...bare } = ctx;
  const stamp = ctx.clock.now().toISOString();
  await runWrite(bare, { operation: "notes.transcribe_failed", subjectId: started.note.id, status: 204 }, async (unit) => {
    refundCredits({ ctx: unit.ctx, input: { userId, reference: started.charge.reference, reason: "transcription_failed" } });
    unit.write(
      ctx.db.execute(sql`update notes set transcript_status = 'failed', version = version + 1, updated_at = ${stamp}::timestamptz
        where id = ${started.note.id} and user_id = ${userId} and transcript_status = 'pending'`),
    );
    if (scope?.claim !== undefined) {
      unit.write(releaseClaimStatement(unit.ctx, scope, scope.claim));
    }
    const failed = presentNote({ ...started.note, transcript_status: "failed", version: started.note.version + 1, updated_at: stamp });
    unit.emit({ type: "note.transcribed", note: failed, outcome: "failed", changes: { transcript_status: { from: "pending", to: "failed" } } });
    return null;
  });
  if (scope !== undefined) delete scope.claim;
}
