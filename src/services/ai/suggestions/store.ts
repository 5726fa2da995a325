/**
 * docs/ai.md#confirmation: storing what the AI proposes. A proposal is validated against the direct
 * endpoint's schema (./payloads.ts) BEFORE it is stored; an invalid one is dropped – logged with
 * `outcome: "suggestion_dropped"`, never stored, never shown.
 *
 * Ownership of the target (the task or note a proposal names) is checked by the INSERT itself: it stores
 * the row only when the target is the caller's (`insert … select … where exists`), so a proposal naming
 * another user's (or a made-up) task is never stored and never trips a foreign key that would fail the
 * caller's batch. `addSuggestionNow` learns the outcome from its round trip and answers `stored: false`;
 * `addSuggestion` answers before its batch commits, so it can only log the drop after the commit – its
 * callers (the subtask generator, the note converter) have read that very task/note in their own round
 * trip 1, so there the check is a second line of defence. The confirm checks ownership again in every
 * service it calls (their reads filter by user).
 */
import { sql } from "drizzle-orm";
import type { ServiceContext } from "../../context";
import { runWrite, type WriteUnit } from "../../unit-of-work";
import { requireUserId } from "../../users/get-me";
import { ACTION_PAYLOADS, isChatActionType, issuesReason, KIND_PAYLOADS } from "./payloads";
import { presentSuggestion, SUGGESTION_TTL_MS, type SuggestionRecord } from "./present";
import type { NewSuggestion, SuggestionOutcome } from "./types";

/** A proposal that passed validation, with the columns its row gets. */
interface CheckedProposal {
  record: SuggestionRecord;
  interactionId: string;
}

type Checked = { ok: true; proposal: CheckedProposal } | { ok: false; reason: string };

/**
 * Adds a suggestion to the caller's write: validates it and contributes its INSERT to `unit`'s commit
 * batch. Answers at once with the suggestion as the API shows it; the caller emits it (SSE `suggestion`)
 * only after its write committed.
 */
export function addSuggestion(unit: WriteUnit, proposal: NewSuggestion): SuggestionOutcome {
  const ctx = unit.ctx;
  const checked = checkProposal(ctx, proposal);
  if (!checked.ok) return dropped(ctx, proposal, checked.reason);
  const inserted = unit.write(insertStatement(ctx, requireUserId(ctx), checked.proposal));
  unit.afterCommit(async (after) => {
    if (inserted.result.rows.length === 0) logDropped(after, proposal, "the target is not the caller's");
  });
  return { stored: true, suggestion: presentSuggestion(checked.proposal.record, ctx.clock.now()) };
}

/**
 * Stores a suggestion as its own write (one round trip), for the streaming chat, which stores each
 * suggestion as the model emits it. Outside the request's Idempotency-Key (that key belongs to the chat
 * request's own write); a retried chat message is deduplicated by the chat itself.
 */
export async function addSuggestionNow(ctx: ServiceContext, proposal: NewSuggestion): Promise<SuggestionOutcome> {
  if (ctx.unit) throw new Error("addSuggestionNow runs its own write; inside a write use addSuggestion(unit, …)");
  const checked = checkProposal(ctx, proposal);
  if (!checked.ok) return dropped(ctx, proposal, checked.reason);
  const userId = requireUserId(ctx);
  const { idempotency: _scope, ...own } = ctx;
  const stored = await runWrite(own, { operation: "ai.suggestions.add", userId, status: 204 }, async (unit) => {
    const inserted = unit.write(insertStatement(unit.ctx, userId, checked.proposal));
    return { get stored() { return inserted.result.rows.length > 0; } };
  });
  if (!stored.stored) return dropped(ctx, proposal, "the target is not the caller's");
  return { stored: true, suggestion: presentSuggestion(checked.proposal.record, ctx.clock.now()) };
}

/** The validation `addSuggestion` runs: the payload against the direct endpoint's schema. */
export function checkProposal(ctx: ServiceContext, proposal: NewSuggestion): Checked {
  const now = ctx.clock.now();
  const base = {
    id: crypto.randomUUID(),
    status: "pending" as const,
    conversation_id: null,
    expires_at: new Date(now.getTime() + SUGGESTION_TTL_MS).toISOString(),
    created_at: now.toISOString(),
    resolved_at: null,
  };
  switch (proposal.kind) {
    case "chat_action": {
      if (!isChatActionType(proposal.actionType)) return { ok: false, reason: `unknown action_type ${JSON.stringify(proposal.actionType).slice(0, 80)}` };
      const parsed = ACTION_PAYLOADS[proposal.actionType].safeParse(proposal.payload);
      if (!parsed.success) return { ok: false, reason: issuesReason(parsed.error) };
      const payload: Record<string, unknown> = parsed.data;
      const target = typeof payload.task_id === "string" ? payload.task_id : (proposal.taskId ?? null);
      const noteId = typeof payload.note_id === "string" ? payload.note_id : null;
      return {
        ok: true,
        proposal: {
          interactionId: proposal.interactionId,
          record: { ...base, kind: "chat_action", action_type: proposal.actionType, payload, task_id: target, note_id: noteId, conversation_id: proposal.conversationId },
        },
      };
    }
    case "subtasks": {
      const parsed = KIND_PAYLOADS.subtasks.safeParse(proposal.payload);
      if (!parsed.success) return { ok: false, reason: issuesReason(parsed.error) };
      return {
        ok: true,
        proposal: { interactionId: proposal.interactionId, record: { ...base, kind: "subtasks", action_type: null, payload: parsed.data, task_id: proposal.taskId, note_id: null } },
      };
    }
    case "note_convert": {
      const parsed = KIND_PAYLOADS.note_convert.safeParse(proposal.payload);
      if (!parsed.success) return { ok: false, reason: issuesReason(parsed.error) };
      return {
        ok: true,
        proposal: { interactionId: proposal.interactionId, record: { ...base, kind: "note_convert", action_type: null, payload: parsed.data, task_id: null, note_id: proposal.noteId } },
      };
    }
  }
}

/**
 * The INSERT, conditional on the target being the caller's. The conversation is linked only when it is
 * the caller's and exists (else null: a suggestion outlives its conversation anyway, `on delete set null`).
 */
function insertStatement(ctx: ServiceContext, userId: string, { record, interactionId }: CheckedProposal) {
  return ctx.db.execute<{ id: string }>(sql`
    insert into ai_suggestions (id, user_id, kind, action_type, payload, status, expires_at, task_id, note_id,
                                conversation_id, interaction_id, created_at)
    select ${record.id}, ${userId}, ${record.kind}, ${record.action_type}, ${JSON.stringify(record.payload)}::jsonb, 'pending',
           ${record.expires_at}::timestamptz, ${record.task_id}::uuid, ${record.note_id}::uuid,
           (select c.id from ai_conversations c where c.id = ${record.conversation_id}::uuid and c.user_id = ${userId}),
           ${interactionId}::uuid, ${record.created_at}::timestamptz
    where (${record.task_id}::uuid is null or exists (select 1 from task_instances t where t.id = ${record.task_id}::uuid and t.user_id = ${userId}))
      and (${record.note_id}::uuid is null or exists (select 1 from notes n where n.id = ${record.note_id}::uuid and n.user_id = ${userId}))
    returning id`);
}

function dropped(ctx: ServiceContext, proposal: NewSuggestion, reason: string): SuggestionOutcome {
  logDropped(ctx, proposal, reason);
  return { stored: false, reason };
}

function logDropped(ctx: ServiceContext, proposal: NewSuggestion, reason: string): void {
  ctx.log.warn("AI suggestion dropped", {
    outcome: "suggestion_dropped",
    kind: proposal.kind,
    action_type: proposal.kind === "chat_action" ? proposal.actionType.slice(0, 64) : null,
    interaction_id: proposal.interactionId,
    reason,
  });
}
