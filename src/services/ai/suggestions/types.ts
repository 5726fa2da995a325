/**
 * docs/ai.md#confirmation: what the AI proposes, as the rest of the AI services see it. The assistant's
 * `suggest_action` tool, the subtask generator and the note converter hand a `NewSuggestion` to
 * `addSuggestion` (./store.ts), which validates it against the direct endpoint's schema and adds it to the
 * caller's write; `confirm` (./confirm.ts) later runs the direct endpoint's service with `actor: ai`.
 */
import type { AiSuggestionKind, AiSuggestionStatus } from "../../../db/schema";

/** What the assistant may propose (SPEC §7 contract details). */
export const CHAT_ACTION_TYPES = [
  "create_task",
  "update_task",
  "complete_task",
  "add_subtasks",
  "create_template",
  "create_reminder",
  "convert_note",
] as const;
export type ChatActionType = (typeof CHAT_ACTION_TYPES)[number];

/** A stored suggestion as the API shows it (`event: suggestion`, `GET /ai/suggestions`). */
export interface Suggestion {
  id: string;
  /** `chat_action` (then `action_type` says what), `subtasks` or `note_convert`. */
  kind: AiSuggestionKind;
  action_type: ChatActionType | null;
  status: AiSuggestionStatus;
  payload: Record<string, unknown>;
  task_id: string | null;
  note_id: string | null;
  conversation_id: string | null;
  expires_at: string;
  created_at: string;
  resolved_at: string | null;
}

/** What an agent proposes; `payload` is unchecked until `addSuggestion` validates it. */
export type NewSuggestion =
  | { kind: "chat_action"; actionType: string; payload: unknown; conversationId: string; taskId?: string; interactionId: string }
  | { kind: "subtasks"; taskId: string; payload: { subtasks: { title: string }[] }; interactionId: string }
  | {
      kind: "note_convert";
      noteId: string;
      payload: { title: string; description: string; priority: string; due_date: string | null; subtasks: { title: string }[] };
      interactionId: string;
    };

/** `addSuggestion`'s answer: the stored suggestion, or why the proposal was dropped (logged, never shown). */
export type SuggestionOutcome = { stored: true; suggestion: Suggestion } | { stored: false; reason: string };
