import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";

/**
 * How a transcript lands in a note – shared by batch transcription (transcribe.ts, JS-side under a version
 * guard) and the live relay (live-transcription.ts, SQL-side in one statement, because the relay holds no
 * version and must append each segment once): after a blank line, or alone in an empty note; cut to the plan's content limit when the note is full.
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

/** A final segment of a live session: its position in the session (from 0) and its text. */
export interface LiveSegment {
  seq: number;
  text: string;
}

/**
 * ONE statement that appends a live session's final segments to the note, each at most once: it inserts
 * their (session, seq) rows into `live_transcript_segments` `ON CONFLICT DO NOTHING` and appends the text of
 * only the rows it inserted (in seq order, joined by a space). A relay that crashed after the database
 * committed an append but before it marked the segments in its own storage sends them again – they are
 * already there, so nothing is appended twice (docs/notes-and-voice.md#live-relay-as-built).
 *
 * The text goes like `joinTranscript` + `cutToLimit`, on the row as it is at commit (no read, no version
 * needed: a PATCH in between is kept), `source: voice`, version +1: after a blank line for the session's
 * first segments, with a space when the session appended before (decided from the segment rows already
 * committed – every part of the statement sees the snapshot from before its own insert). The content limit
 * cuts only the new text. A deleted note takes no rows and no text. Answers the note's id when text was
 * appended.
 */
export function appendSegmentsStatement(ctx: ServiceContext, input: { sessionId: string; userId: string; noteId: string; segments: readonly LiveSegment[]; maxContentLength: number }) {
  const stamp = ctx.clock.now().toISOString();
  const segments = JSON.stringify(input.segments.map((segment) => ({ seq: segment.seq, text: segment.text })));
  return ctx.db.execute<{ id: string }>(sql`
    with incoming as (
      select (e->>'seq')::int as seq, e->>'text' as text from jsonb_array_elements(${segments}::jsonb) e
    ), earlier as (
      select exists (select 1 from live_transcript_segments where session_id = ${input.sessionId}::uuid) as continues
    ), fresh as (
      insert into live_transcript_segments (session_id, seq, note_id, created_at)
      select ${input.sessionId}::uuid, i.seq, ${input.noteId}::uuid, ${stamp}::timestamptz from incoming i
      where exists (select 1 from notes where id = ${input.noteId} and user_id = ${input.userId})
      on conflict do nothing
      returning seq
    ), added as (
      select string_agg(i.text, ' ' order by i.seq) as transcript from incoming i join fresh f on f.seq = i.seq
    )
    update notes n set
      content = left(
        case when n.content = '' then a.transcript
          else n.content || (case when e.continues then ' ' else ${TRANSCRIPT_SEPARATOR} end) || a.transcript end,
        greatest(char_length(n.content), ${input.maxContentLength}::int)),
      source = 'voice', version = n.version + 1, updated_at = ${stamp}::timestamptz
    from added a, earlier e
    where n.id = ${input.noteId} and n.user_id = ${input.userId} and a.transcript is not null
    returning n.id`);
}
