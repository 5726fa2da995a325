import { sql } from "drizzle-orm";
import { ApiError } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { consumeCredits } from "../credits/consume";
import { runWrite } from "../unit-of-work";
import { appendTranscriptStatement } from "./append-transcript";
import { checkNoteWritable, noteForWriteStatement, noteWriterStatement, toNoteWriter } from "./write-support";

/**
 * The database side of live transcription (docs/notes-and-voice.md#live-relay-as-built), called by the
 * VoiceRelay Durable Object with a system context acting for the user:
 *
 * - `checkLiveStart`: one read round trip before any audio is relayed – the note is the caller's (404 as
 *   `NOT_FOUND`), its task not archived, the user Pro (`TIER_REQUIRED`), at least one started minute of
 *   credits usable (`INSUFFICIENT_CREDITS`).
 * - `appendLiveSegments`: final segments (joined by a space) appended to the note in ONE statement –
 *   the relay batches whatever arrived while the previous append was on the wire.
 * - `settleLiveSession`: ONE batch – the remaining segments appended, the audio's duration added to the note
 *   and the credits consumed for what was streamed (5 per started minute), with the session id as the
 *   consumption's reference, so a repeat (a restarted relay settling again) spends nothing.
 */
export interface LiveStart {
  maxContentLength: number;
  /** Usable credits now. */
  available: number;
}

export function liveCreditsFor(ctx: ServiceContext, seconds: number): number {
  return seconds <= 0 ? 0 : Math.ceil(seconds / 60) * ctx.config.AI_CREDIT_TRANSCRIPTION_PER_MIN;
}

export async function checkLiveStart({ ctx, input }: { ctx: ServiceContext; input: { userId: string; noteId: string } }): Promise<LiveStart> {
  const now = ctx.clock.now().toISOString();
  const [noteRows, writerRows, balanceRows] = await ctx.db.batch([
    noteForWriteStatement(ctx, input.userId, input.noteId),
    noteWriterStatement(ctx, input.userId),
    ctx.db.execute<{ total: string | number }>(sql`
      select coalesce(sum(remaining), 0) as total from credit_lots
      where user_id = ${input.userId} and remaining > 0 and expired_at is null
        and (expires_at is null or expires_at > ${now}::timestamptz)`),
  ]);
  checkNoteWritable(noteRows.rows[0], undefined);
  const writer = toNoteWriter(ctx, writerRows.rows[0]);
  if (writer.tier !== "pro") throw new ApiError("TIER_REQUIRED", { message: "Live transcription is a Pro feature." });
  const available = Number(balanceRows.rows[0]?.total ?? 0);
  const required = liveCreditsFor(ctx, 1);
  if (available < required) {
    throw new ApiError("INSUFFICIENT_CREDITS", { message: `Live transcription needs at least ${required} credits (one started minute); you have ${available}.`, details: { required, available } });
  }
  return { maxContentLength: writer.limits.max_content_length, available };
}

export interface LiveSegmentsInput {
  userId: string;
  noteId: string;
  /** Final segments in order (not yet appended). */
  segments: string[];
  maxContentLength: number;
  /** This session appended segments before: these continue them (a space, not a new paragraph). */
  continues: boolean;
}

/** One statement; false when the note is gone (deleted meanwhile). */
export async function appendLiveSegments({ ctx, input }: { ctx: ServiceContext; input: LiveSegmentsInput }): Promise<boolean> {
  const transcript = input.segments.join(" ");
  if (transcript === "") return true;
  const result = await appendTranscriptStatement(ctx, { ...input, transcript });
  return result.rows.length > 0;
}

export interface SettleInput extends LiveSegmentsInput {
  sessionId: string;
  durationSeconds: number;
}

export interface Settlement {
  credits_used: number;
  duration_seconds: number;
}

/**
 * Settles a session once (see the file comment): every statement is guarded by "no ledger entry with this
 * session's reference yet", so a second settlement appends, adds and charges nothing. Credits spent elsewhere
 * during the stream so that the charge no longer fits → 402 INSUFFICIENT_CREDITS and nothing of the batch
 * commits (the relay keeps the segments and reports it; a known limit, docs/notes-and-voice.md).
 */
export async function settleLiveSession({ ctx, input }: { ctx: ServiceContext; input: SettleInput }): Promise<Settlement> {
  const seconds = Math.ceil(input.durationSeconds);
  const credits = liveCreditsFor(ctx, input.durationSeconds);
  const transcript = input.segments.join(" ");
  const stamp = ctx.clock.now().toISOString();
  const reference = `voice:${input.sessionId}`;
  if (transcript === "" && seconds === 0) return { credits_used: 0, duration_seconds: 0 };
  await runWrite(ctx, { operation: "notes.live_settle", userId: input.userId, subjectId: input.noteId, status: 204 }, async (unit) => {
    if (transcript !== "") unit.write(appendTranscriptStatement(unit.ctx, { ...input, transcript, unlessReference: reference }));
    if (seconds > 0) {
      unit.write(
        ctx.db.execute(sql`update notes set source = 'voice', audio_duration_seconds = coalesce(audio_duration_seconds, 0) + ${seconds}::int,
            transcript_status = 'done', updated_at = ${stamp}::timestamptz
          where id = ${input.noteId} and user_id = ${input.userId}
            and not exists (select 1 from credit_ledger where user_id = ${input.userId} and reference = ${reference})`),
      );
    }
    if (credits > 0) consumeCredits({ ctx: unit.ctx, input: { userId: input.userId, amount: credits, reason: "transcription", reference } });
    return null;
  });
  return { credits_used: credits, duration_seconds: seconds };
}
