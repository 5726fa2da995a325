import { sql } from "drizzle-orm";
import type { AiInteractionKind, AiOutcome } from "../../db/schema";
import type { ServiceContext } from "../context";
import type { TokenUsage } from "./model";

/** One row of the immutable AI log (docs/ai.md "Audit"): written once, in the batch that settles the call's charge. */
export interface InteractionRow {
  id: string;
  userId: string;
  sessionId: string | null;
  kind: AiInteractionKind;
  taskId?: string | null;
  noteId?: string | null;
  conversationId?: string | null;
  /** Short and secret-free: what was asked about, never the prompt, a token or a key. */
  inputSummary: string;
  output: unknown;
  model: string;
  usage: TokenUsage;
  /** Credits finally charged: 0 after a refund. */
  credits: number;
  latencyMs: number;
  outcome: AiOutcome;
  error?: string | null;
}

/** The INSERT (the table's trigger refuses UPDATE and DELETE: migration 0006). */
export function interactionStatement(ctx: ServiceContext, row: InteractionRow) {
  return ctx.db.execute(sql`
    insert into ai_interactions (id, user_id, session_id, task_id, note_id, conversation_id, kind, input_summary, output,
      model, prompt_tokens, completion_tokens, credits, latency_ms, outcome, error, request_id, created_at)
    values (${row.id}, ${row.userId}, ${row.sessionId}, ${row.taskId ?? null}, ${row.noteId ?? null}, ${row.conversationId ?? null},
      ${row.kind}, ${row.inputSummary.slice(0, 2000)}, ${row.output === undefined ? null : JSON.stringify(row.output)}::jsonb,
      ${row.model}, ${row.usage.input}::int, ${row.usage.output}::int, ${row.credits}::int, ${Math.max(0, Math.round(row.latencyMs))}::int,
      ${row.outcome}, ${row.error === undefined || row.error === null ? null : row.error.slice(0, 1000)}, ${ctx.requestId.slice(0, 128)},
      ${ctx.clock.now().toISOString()}::timestamptz)`);
}
