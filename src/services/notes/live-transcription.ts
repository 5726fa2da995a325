import { sql } from "drizzle-orm";
import { ApiError } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { consumeCredits, consumeCreditsNow } from "../credits/consume";
import { refundCredits } from "../credits/refund";
import { runWrite, type Pending } from "../unit-of-work";
import { appendSegmentsStatement, type LiveSegment } from "./append-transcript";
import { checkNoteWritable, noteForWriteStatement, noteWriterStatement, toNoteWriter } from "./write-support";

/**
 * The database side of live transcription (docs/notes-and-voice.md#live-relay-as-built), called by the
 * VoiceRelay Durable Object with a system context acting for the user:
 *
 * - `checkLiveStart`: one read round trip before any audio is relayed – the note is the caller's (404 as
 *   `NOT_FOUND`), its task not archived, the user Pro (`TIER_REQUIRED`), at least one started minute of
 *   credits usable (`INSUFFICIENT_CREDITS`); it answers how many whole minutes the balance covers.
 * - `reserveLiveCredits`: one write – the credits of those minutes consumed up front (reference
 *   `voice:<session>`), so credits spent elsewhere during the stream cannot leave it unpaid; the relay caps
 *   the session at the reserved minutes.
 * - `appendLiveSegments`: final segments appended to the note in ONE statement, each (session, seq) once.
 * - `settleLiveSession`: ONE batch – the remaining segments, the audio's duration added to the note, the
 *   reservation refunded and the audio actually streamed consumed (5 per started minute, reference
 *   `voice:<session>:settled`); a repeat (a restarted relay settling again) changes nothing.
 */
export interface LiveStart {
  maxContentLength: number;
  /** Usable credits now. */
  available: number;
  /** Whole minutes (≥ 1) the balance covers, at most the session's cap: what the relay reserves. */
  minutes: number;
}

export function liveCreditsFor(ctx: ServiceContext, seconds: number): number {
  return seconds <= 0 ? 0 : Math.ceil(seconds / 60) * ctx.config.AI_CREDIT_TRANSCRIPTION_PER_MIN;
}

/** The reference of a session's reservation; its settlement's consumption adds `:settled`. */
export const liveReference = (sessionId: string) => `voice:${sessionId}`;

export async function checkLiveStart({ ctx, input }: { ctx: ServiceContext; input: { userId: string; noteId: string; maxSeconds: number } }): Promise<LiveStart> {
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
  const minutes = Math.min(Math.ceil(input.maxSeconds / 60), Math.floor(available / required));
  return { maxContentLength: writer.limits.max_content_length, available, minutes };
}

/**
 * Consumes the credits of `minutes` started minutes for the session (one round trip). Credits spent since
 * `checkLiveStart` so that they no longer fit → 402 INSUFFICIENT_CREDITS, nothing taken. Idempotent by the
 * session's reference (a repeat takes nothing more).
 */
export async function reserveLiveCredits({ ctx, input }: { ctx: ServiceContext; input: { sessionId: string; userId: string; minutes: number } }): Promise<number> {
  const credits = liveCreditsFor(ctx, input.minutes * 60);
  await consumeCreditsNow({ ctx, input: { userId: input.userId, amount: credits, reason: "transcription", reference: liveReference(input.sessionId) } });
  return credits;
}

export interface LiveSegmentsInput {
  sessionId: string;
  userId: string;
  noteId: string;
  /** Final segments in order, with their position in the session (a segment sent again is not appended again). */
  segments: readonly LiveSegment[];
  maxContentLength: number;
}

/** One write of one statement; true when text was appended (false: all already there, or the note is gone). */
export async function appendLiveSegments({ ctx, input }: { ctx: ServiceContext; input: LiveSegmentsInput }): Promise<boolean> {
  const segments = input.segments.filter((segment) => segment.text !== "");
  if (segments.length === 0) return false;
  let appended: Pending<{ rows: { id: string }[] }> | undefined;
  await runWrite(ctx, { operation: "notes.live_append", userId: input.userId, subjectId: input.noteId, status: 204 }, async (unit) => {
    appended = unit.write(appendSegmentsStatement(unit.ctx, { ...input, segments }));
    return null;
  });
  return (appended?.result.rows.length ?? 0) > 0;
}

export interface SettleInput extends LiveSegmentsInput {
  durationSeconds: number;
}

export interface Settlement {
  credits_used: number;
  duration_seconds: number;
}

/**
 * Settles a session once, in ONE batch: the segments not appended yet (each once, by its seq row), the
 * note's duration (guarded by "no `voice:<session>:settled` ledger entry yet"), the reservation refunded
 * (once per consumption) and the streamed minutes consumed under `voice:<session>:settled` (idempotent by
 * that reference). The refund comes before the consumption in the same batch, so the consumption always fits
 * (the session never streams more than it reserved). A session that reserved nothing (a relay from before
 * reservations) is charged at the end as before and can fail with 402; nothing of its batch commits then.
 */
export async function settleLiveSession({ ctx, input }: { ctx: ServiceContext; input: SettleInput }): Promise<Settlement> {
  const seconds = Math.ceil(input.durationSeconds);
  const credits = liveCreditsFor(ctx, input.durationSeconds);
  const segments = input.segments.filter((segment) => segment.text !== "");
  const stamp = ctx.clock.now().toISOString();
  const reserved = liveReference(input.sessionId);
  const settled = `${reserved}:settled`;
  await runWrite(ctx, { operation: "notes.live_settle", userId: input.userId, subjectId: input.noteId, status: 204 }, async (unit) => {
    if (segments.length > 0) unit.write(appendSegmentsStatement(unit.ctx, { ...input, segments }));
    if (seconds > 0) {
      unit.write(
        ctx.db.execute(sql`update notes set source = 'voice', audio_duration_seconds = coalesce(audio_duration_seconds, 0) + ${seconds}::int,
            transcript_status = 'done', updated_at = ${stamp}::timestamptz
          where id = ${input.noteId} and user_id = ${input.userId}
            and not exists (select 1 from credit_ledger where user_id = ${input.userId} and reference = ${settled})`),
      );
    }
    refundCredits({ ctx: unit.ctx, input: { userId: input.userId, reference: reserved, reason: "transcription_settled" } });
    if (credits > 0) consumeCredits({ ctx: unit.ctx, input: { userId: input.userId, amount: credits, reason: "transcription", reference: settled } });
    return null;
  });
  return { credits_used: credits, duration_seconds: seconds };
}
