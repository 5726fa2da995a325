/**
 * docs/ai.md#confirmation: the one presenter of suggestions – `addSuggestion`'s answer (the SSE `suggestion`
 * event), `GET /ai/suggestions` and the confirm/reject answers all go through it.
 */
import { sql, type SQL } from "drizzle-orm";
import type { AiSuggestionKind, AiSuggestionStatus } from "../../../db/schema";
import { iso } from "../../tasks/present";
import { isChatActionType } from "./payloads";
import type { Suggestion } from "./types";

/** A suggestion is valid for this long after it was proposed. */
export const SUGGESTION_TTL_MS = 24 * 60 * 60 * 1000;

/** An `ai_suggestions` row as `suggestionJsonSql` selects it. */
export interface SuggestionRecord {
  id: string;
  kind: AiSuggestionKind;
  action_type: string | null;
  status: AiSuggestionStatus;
  payload: Record<string, unknown>;
  task_id: string | null;
  note_id: string | null;
  conversation_id: string | null;
  expires_at: string;
  created_at: string;
  resolved_at: string | null;
}

/** The row as JSON (SQL); `alias` is code-owned. */
export function suggestionJsonSql(alias: string): SQL {
  const s = sql.raw(alias);
  return sql`jsonb_build_object('id', ${s}.id, 'kind', ${s}.kind, 'action_type', ${s}.action_type, 'status', ${s}.status,
    'payload', ${s}.payload, 'task_id', ${s}.task_id, 'note_id', ${s}.note_id, 'conversation_id', ${s}.conversation_id,
    'expires_at', ${s}.expires_at, 'created_at', ${s}.created_at, 'resolved_at', ${s}.resolved_at)`;
}

/**
 * A pending suggestion past `expires_at` reads as `expired` even before the sweep marked it (its
 * `resolved_at` is then the expiry instant), so what a client sees never depends on when the sweep ran.
 */
export function presentSuggestion(row: SuggestionRecord, now: Date): Suggestion {
  const lapsed = row.status === "pending" && Date.parse(row.expires_at) <= now.getTime();
  return {
    id: row.id,
    kind: row.kind,
    action_type: row.action_type !== null && isChatActionType(row.action_type) ? row.action_type : null,
    status: lapsed ? "expired" : row.status,
    payload: row.payload,
    task_id: row.task_id,
    note_id: row.note_id,
    conversation_id: row.conversation_id,
    expires_at: iso(row.expires_at),
    created_at: iso(row.created_at),
    resolved_at: lapsed ? iso(row.expires_at) : iso(row.resolved_at),
  };
}
