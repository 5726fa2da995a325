/**
 * docs/notes-and-voice.md notes (text or voice, standalone or on a task). Migration 0003_notes_reminders.
 */
import { sql } from "drizzle-orm";
import { boolean, check, foreignKey, index, integer, pgTable, primaryKey, text, uuid } from "drizzle-orm/pg-core";
import {
  checkLength,
  checkNonNegative,
  checkOneOf,
  createdAt,
  id,
  timestamptz,
  updatedAt,
  version,
} from "./columns";
import { users } from "./identity";
import { taskInstances } from "./tasks";

export const NOTE_SOURCES = ["text", "voice"] as const;
export type NoteSource = (typeof NOTE_SOURCES)[number];

export const TRANSCRIPT_STATUSES = ["none", "pending", "done", "failed"] as const;
export type TranscriptStatus = (typeof TRANSCRIPT_STATUSES)[number];

/** The Pro maximum; the free limit (2000) is enforced by the API (docs/notes-and-voice.md). */
export const NOTE_CONTENT_MAX = 10000;

export const notes = pgTable(
  "notes",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** null = a standalone note; set = the note belongs to the task and is deleted (tombstoned) with it. */
    taskId: uuid("task_id"),
    content: text("content").notNull().default(""),
    source: text("source", { enum: NOTE_SOURCES }).notNull().default("text"),
    /** Total audio transcribed into this note; live and batch transcriptions add to it. */
    audioDurationSeconds: integer("audio_duration_seconds"),
    transcriptStatus: text("transcript_status", { enum: TRANSCRIPT_STATUSES }).notNull().default("none"),
    archived: boolean("archived").notNull().default(false),
    /**
     * Set when an AI note conversion is confirmed (docs/ai.md#confirmation): the task it became. Guards against a
     * second conversion (`WHERE converted_at IS NULL`); SET NULL if that task is later deleted.
     */
    convertedTaskId: uuid("converted_task_id"),
    convertedAt: timestamptz("converted_at"),
    version: version(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    checkLength("notes_content_length", t.content, 0, NOTE_CONTENT_MAX),
    checkOneOf("notes_source_values", t.source, NOTE_SOURCES),
    checkNonNegative("notes_audio_duration_non_negative", t.audioDurationSeconds),
    checkOneOf("notes_transcript_status_values", t.transcriptStatus, TRANSCRIPT_STATUSES),
    check("notes_converted_has_time", sql`${t.convertedTaskId} is null or ${t.convertedAt} is not null`),
    check("notes_version_positive", sql`${t.version} >= 1`),
    // MATCH SIMPLE: a standalone note (task_id null) is not checked; a task note must be its owner's task.
    foreignKey({
      name: "notes_task_owner_fk",
      columns: [t.taskId, t.userId],
      foreignColumns: [taskInstances.id, taskInstances.userId],
    }).onDelete("cascade"),
    foreignKey({
      name: "notes_converted_task_fk",
      columns: [t.convertedTaskId],
      foreignColumns: [taskInstances.id],
    }).onDelete("set null"),
    // 0008_indexes
    index("notes_user_created_idx").on(t.userId, t.createdAt, t.id),
    index("notes_task_created_idx").on(t.taskId, t.createdAt, t.id).where(sql`${t.taskId} is not null`),
    // The standalone-notes limit (docs/notes-and-voice.md).
    index("notes_user_standalone_idx").on(t.userId).where(sql`${t.taskId} is null`),
    index("notes_converted_task_idx").on(t.convertedTaskId).where(sql`${t.convertedTaskId} is not null`),
  ],
);

/**
 * The final segments of a live transcription session already appended to their note (migration 0014). The
 * VoiceRelay appends a segment in the same statement that inserts its (session, seq) row, `ON CONFLICT DO
 * NOTHING`: a relay that crashed between the database commit and its own storage write appends nothing twice
 * when it retries (docs/notes-and-voice.md#live-transcription).
 */
export const liveTranscriptSegments = pgTable(
  "live_transcript_segments",
  {
    sessionId: uuid("session_id").notNull(),
    /** The segment's position in its session, from 0. */
    seq: integer("seq").notNull(),
    noteId: uuid("note_id")
      .notNull()
      .references(() => notes.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (t) => [
    primaryKey({ name: "live_transcript_segments_pk", columns: [t.sessionId, t.seq] }),
    checkNonNegative("live_transcript_segments_seq_non_negative", t.seq),
    index("live_transcript_segments_note_idx").on(t.noteId),
  ],
);
