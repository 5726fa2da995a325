/**
 * docs/ai.md AI: chat conversations, the immutable interaction log and the suggestions awaiting the user's
 * confirmation. Migration 0006_ai; the append-only trigger on ai_interactions is appended there.
 */
import { sql } from "drizzle-orm";
import { check, index, integer, jsonb, pgTable, text, uuid } from "drizzle-orm/pg-core";
import {
  checkLength,
  checkNonNegative,
  checkOneOf,
  checkSlug,
  createdAt,
  id,
  sameTruth,
  timestamptz,
  updatedAt,
} from "./columns";
import { users } from "./identity";
import { notes } from "./notes";
import { taskInstances } from "./tasks";

export const AI_INTERACTION_KINDS = ["chat", "subtasks", "note_convert", "transcription"] as const;
export type AiInteractionKind = (typeof AI_INTERACTION_KINDS)[number];

export const AI_OUTCOMES = ["success", "failure", "timeout", "refused"] as const;
export type AiOutcome = (typeof AI_OUTCOMES)[number];

/** `chat_action` = proposed by the assistant's `suggest_action` tool; its `action_type` says what. */
export const AI_SUGGESTION_KINDS = ["chat_action", "subtasks", "note_convert"] as const;
export type AiSuggestionKind = (typeof AI_SUGGESTION_KINDS)[number];

export const AI_SUGGESTION_STATUSES = ["pending", "confirmed", "rejected", "expired"] as const;
export type AiSuggestionStatus = (typeof AI_SUGGESTION_STATUSES)[number];

export const AI_MESSAGE_ROLES = ["user", "assistant"] as const;
export type AiMessageRole = (typeof AI_MESSAGE_ROLES)[number];

/** A chat thread (`conversation_id` of `POST /ai/chat`, docs/ai.md): lets a follow-up message keep context. */
export const aiConversations = pgTable(
  "ai_conversations",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The task the chat started on, if any; SET NULL so the history survives the task's deletion. */
    taskId: uuid("task_id").references(() => taskInstances.id, { onDelete: "set null" }),
    title: text("title"),
    createdAt: createdAt(),
    /** Time of the last message: conversations are listed most recent first. */
    updatedAt: updatedAt(),
  },
  (t) => [
    checkLength("ai_conversations_title_length", t.title, 1, 200),
    // 0008_indexes
    index("ai_conversations_user_updated_idx").on(t.userId, t.updatedAt, t.id),
    index("ai_conversations_task_idx").on(t.taskId).where(sql`${t.taskId} is not null`),
  ],
);

/** The turns of a conversation, replayed to the assistant as history (text only; tool calls are not kept). */
export const aiMessages = pgTable(
  "ai_messages",
  {
    id: id(),
    conversationId: uuid("conversation_id")
      .notNull()
      .references(() => aiConversations.id, { onDelete: "cascade" }),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    role: text("role", { enum: AI_MESSAGE_ROLES }).notNull(),
    content: text("content").notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    checkOneOf("ai_messages_role_values", t.role, AI_MESSAGE_ROLES),
    checkLength("ai_messages_content_length", t.content, 0, 20000),
    // 0008_indexes
    index("ai_messages_conversation_created_idx").on(t.conversationId, t.createdAt, t.id),
  ],
);

/**
 * Append-only log of every AI call (trigger in 0006). No foreign keys but `user_id`: a SET NULL from a
 * deleted task or session would be an UPDATE, which the trigger refuses – and the log must outlive them.
 */
export const aiInteractions = pgTable(
  "ai_interactions",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    /** The login session (`sid`) – the per-task AI counters are per session (docs/ai.md). */
    sessionId: uuid("session_id"),
    taskId: uuid("task_id"),
    noteId: uuid("note_id"),
    conversationId: uuid("conversation_id"),
    kind: text("kind", { enum: AI_INTERACTION_KINDS }).notNull(),
    /** A short, secret-free summary of the input (not the full prompt). */
    inputSummary: text("input_summary").notNull().default(""),
    output: jsonb("output").$type<unknown>(),
    model: text("model"),
    promptTokens: integer("prompt_tokens").notNull().default(0),
    completionTokens: integer("completion_tokens").notNull().default(0),
    /** Credits finally charged (0 after a refund). */
    credits: integer("credits").notNull().default(0),
    latencyMs: integer("latency_ms").notNull().default(0),
    outcome: text("outcome", { enum: AI_OUTCOMES }).notNull(),
    error: text("error"),
    requestId: text("request_id"),
    createdAt: createdAt(),
  },
  (t) => [
    checkOneOf("ai_interactions_kind_values", t.kind, AI_INTERACTION_KINDS),
    checkOneOf("ai_interactions_outcome_values", t.outcome, AI_OUTCOMES),
    checkLength("ai_interactions_input_summary_length", t.inputSummary, 0, 2000),
    checkNonNegative("ai_interactions_prompt_tokens_non_negative", t.promptTokens),
    checkNonNegative("ai_interactions_completion_tokens_non_negative", t.completionTokens),
    checkNonNegative("ai_interactions_credits_non_negative", t.credits),
    checkNonNegative("ai_interactions_latency_non_negative", t.latencyMs),
    check("ai_interactions_error_on_failure", sql`${t.outcome} = 'success' or ${t.error} is not null`),
    // 0008_indexes
    index("ai_interactions_user_created_idx").on(t.userId, t.createdAt, t.id),
    // Retention purge by age.
    index("ai_interactions_created_idx").on(t.createdAt),
  ],
);

/**
 * What the AI proposed, waiting for `confirm`/`reject` (docs/ai.md#confirmation). Expires after 24 h (`expires_at`,
 * set by the service); a sweep marks stale pending rows `expired`.
 */
export const aiSuggestions = pgTable(
  "ai_suggestions",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    kind: text("kind", { enum: AI_SUGGESTION_KINDS }).notNull(),
    /** For `chat_action`: e.g. `create_task`, `update_task`, `add_subtasks` (the tool's action_type). */
    actionType: text("action_type"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    status: text("status", { enum: AI_SUGGESTION_STATUSES }).notNull().default("pending"),
    expiresAt: timestamptz("expires_at").notNull(),
    taskId: uuid("task_id").references(() => taskInstances.id, { onDelete: "cascade" }),
    noteId: uuid("note_id").references(() => notes.id, { onDelete: "cascade" }),
    conversationId: uuid("conversation_id").references(() => aiConversations.id, { onDelete: "set null" }),
    /** The ai_interactions row that produced it (no FK: that table is append-only). */
    interactionId: uuid("interaction_id"),
    createdAt: createdAt(),
    resolvedAt: timestamptz("resolved_at"),
  },
  (t) => [
    checkOneOf("ai_suggestions_kind_values", t.kind, AI_SUGGESTION_KINDS),
    checkOneOf("ai_suggestions_status_values", t.status, AI_SUGGESTION_STATUSES),
    check(
      "ai_suggestions_action_type_for_chat",
      sameTruth(sql`${t.kind} = 'chat_action'`, sql`${t.actionType} is not null`),
    ),
    checkSlug("ai_suggestions_action_type_format", t.actionType, 64),
    check(
      "ai_suggestions_resolved_when_not_pending",
      sameTruth(sql`${t.status} = 'pending'`, sql`${t.resolvedAt} is null`),
    ),
    // 0008_indexes
    index("ai_suggestions_user_created_idx").on(t.userId, t.createdAt, t.id),
    // The expiry sweep marks stale pending suggestions `expired`.
    index("ai_suggestions_pending_expiry_idx").on(t.expiresAt).where(sql`${t.status} = 'pending'`),
    index("ai_suggestions_task_idx").on(t.taskId).where(sql`${t.taskId} is not null`),
    index("ai_suggestions_note_idx").on(t.noteId).where(sql`${t.noteId} is not null`),
    index("ai_suggestions_conversation_idx").on(t.conversationId).where(sql`${t.conversationId} is not null`),
  ],
);
