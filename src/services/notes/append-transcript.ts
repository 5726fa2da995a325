import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";

/**
 * How a transcript lands in a note – shared by batch transcription (transcribe.ts, JS-side under a version
 * guard) and the live relay (live-transcription.ts, SQL-side in one statement, because the relay holds no
 * version): after a blank line, or alone in an empty note; cut to the plan's content limit when the note is full.
 */
export const TRANSCRIPT_SEPARATOR = "\n\n";

/** `content` with `transcript` appended (docs/notes-and-voice.md#batch-transcription step 4). */
export function joinTranscript(content: string, transcript: string): string {
  if (transcript === "") return content;
  return content === "" ? transcript : `${content}${TRANSCRIPT_SEPARATOR}${transcript}`;
}

/** Cuts text to `max` code points (what Postgres' char_length and left() count). */
export function cutToLimit(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : chars.slice(0, max).join("");
}

/**
 * One statement that appends `transcript` to the note exactly like `joinTranscript` + `cutToLimit`, on the
 * row as it is at commit (no read, no version needed: a PATCH in between is kept), `source: voice`, version
 * +1. Answers the note's id when it was there (a deleted note appends nothing). `unlessReference`: only while
 * no credit ledger entry has that reference (a settlement that already happened appends nothing again).
 * `continues`: the text continues what this session appended before (joined by a space, not a blank line).
 */
export function appendTranscriptStatement(ctx: ServiceContext, input: { userId: string; noteId: string; transcript: string; maxContentLength: number; unlessReference?: string; continues?: boolean }) {
  const stamp = ctx.clock.now().toISOString();
  // A live session's later segments continue its first one's paragraph.
  const separator = input.continues === true ? " " : TRANSCRIPT_SEPARATOR;
  return ctx.db.execute<{ id: string }>(sql`
    update notes set
      content = left(case when content = '' then ${input.transcript} else content || ${separator} || ${input.transcript} end,
        greatest(char_length(content), ${input.maxContentLength}::int)),
      source = 'voice', version = version + 1, updated_at = ${stamp}::timestamptz
    where id = ${input.noteId} and user_id = ${input.userId}
      ${input.unlessReference === undefined ? sql`` : sql`and not exists (select 1 from credit_ledger where user_id = ${input.userId} and reference = ${input.unlessReference})`}
    returning id`);
}
