import { sql, type SQL } from "drizzle-orm";
import type { NoteSource, TranscriptStatus } from "../../db/schema/notes";
import type { Config } from "../../env";
import type { UserTier } from "../../db/schema/identity";
import { iso } from "../tasks/present";

/**
 * The one presenter of docs/notes-and-voice.md notes: responses, conflict details, events and tombstones all
 * go through it. Rows come from Postgres as JSON (`noteJsonSql`), instants leave as RFC 3339 UTC.
 */
export interface NoteRecord {
  id: string;
  task_id: string | null;
  content: string;
  source: NoteSource;
  audio_duration_seconds: number | null;
  transcript_status: TranscriptStatus;
  archived: boolean;
  version: number;
  created_at: string;
  updated_at: string;
}

/** The API's note, as sent. */
export type Note = NoteRecord;

export function presentNote(row: NoteRecord): Note {
  return {
    id: row.id,
    task_id: row.task_id,
    content: row.content,
    source: row.source,
    audio_duration_seconds: row.audio_duration_seconds,
    transcript_status: row.transcript_status,
    archived: row.archived,
    version: row.version,
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

/** A note row as a NoteRecord JSON object (SQL); the internal conversion columns stay inside. `alias` is code-owned. */
export function noteJsonSql(alias: string): SQL {
  const n = sql.raw(alias);
  return sql`(to_jsonb(${n}) - 'user_id' - 'converted_task_id' - 'converted_at')`;
}

/** The note limits of a tier (docs/notes-and-voice.md): `null` = no count limit (Pro). Perks add to the free counts. */
export interface NoteLimits {
  max_content_length: number;
  max_notes_per_task: number | null;
  max_standalone_notes: number | null;
}

type NoteConfig = Pick<Config, "FREE_MAX_NOTES_PER_TASK" | "FREE_MAX_STANDALONE_NOTES" | "FREE_NOTE_MAX" | "PRO_NOTE_MAX">;

export function noteLimits(config: NoteConfig, tier: UserTier, perkMaxNotes: number): NoteLimits {
  if (tier === "pro") return { max_content_length: config.PRO_NOTE_MAX, max_notes_per_task: null, max_standalone_notes: null };
  return {
    max_content_length: config.FREE_NOTE_MAX,
    max_notes_per_task: config.FREE_MAX_NOTES_PER_TASK + perkMaxNotes,
    max_standalone_notes: config.FREE_MAX_STANDALONE_NOTES + perkMaxNotes,
  };
}

/** Length as Postgres counts it (`char_length`: code points, not UTF-16 units), so the API and the CHECK agree. */
export function contentLength(content: string): number {
  let count = 0;
  for (const _char of content) count += 1;
  return count;
}
