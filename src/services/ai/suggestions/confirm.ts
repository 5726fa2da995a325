/**
 * docs/ai.md#confirmation: `POST /ai/suggestions/{id}/confirm` and `/reject`.
 *
 * Confirm is ONE write of two round trips, whatever the action:
 * 1. Round trip 1 reads the suggestion (the caller's only: another user's is 404) and, before its kind or
 *    target are known, everything any action's service will ask for – the target task (as the task, task
 *    detail and reminder-count reads of the services), the target note, the limits, the live templates –
 *    each found by a sub-select on the suggestion's `task_id` / `note_id`. Once the suggestion is known, the
 *    results are `supply`-ed under the statements the service will issue with the literal id, so the
 *    service's reads cost nothing (services/unit-of-work.ts `supply`).
 * 2. In the Worker: pending and not expired (else 409 SUGGESTION_NOT_PENDING), `edits` merged into the
 *    payload and re-validated with the direct endpoint's schema (400 VALIDATION_ERROR naming `edits.<field>`;
 *    the target ids cannot be edited), then the direct endpoint's service runs, joining this write, with
 *    actor `ai` – so the activity log says `actor: ai` and every limit, version and archive rule of that
 *    endpoint applies.
 * 3. Round trip 2 commits, first, the suggestion's move to `confirmed` guarded by `status = 'pending' and
 *    expires_at > now` (the row lock makes a parallel confirm wait and then fail that guard: exactly one
 *    effect; the loser's whole batch – its task, its activity – rolls back, 409 SUGGESTION_NOT_PENDING), then
 *    the service's statements. A service failure (LIMIT_EXCEEDED, VERSION_CONFLICT, TASK_ARCHIVED, NOT_FOUND)
 *    ends the write before anything is written, so the suggestion stays pending.
 */
import { sql } from "drizzle-orm";
import type { z } from "zod";
import { ApiError, NotFound, Unauthorized, ValidationFailed } from "../../../errors/api-error";
import type { ServiceContext } from "../../context";
import { guard } from "../../guards";
import { limitsStatement } from "../../limits/read-limits";
import { liveTemplatesStatement } from "../../recurring/create";
import { reminderCountStatement } from "../../reminders/create";
import type { UnlockedAchievement } from "../../response-fields";
import { completionTaskStatement, type CompletionResult } from "../../tasks/complete";
import { taskForWriteStatement } from "../../tasks/write-support";
import { runWrite, type WriteSpec, type WriteUnit } from "../../unit-of-work";
import { requireUserId } from "../../users/get-me";
import { ACTIONS, KIND_ACTIONS, type ActionResult, type SuggestionAction } from "./actions";
import { noteForConversionStatement } from "./convert-note";
import { isChatActionType, TARGET_FIELDS } from "./payloads";
import { presentSuggestion, suggestionJsonSql, type SuggestionRecord } from "./present";
import type { Suggestion } from "./types";

export interface ConfirmInput {
  id: string;
  /** Fields of the payload to change before it is applied (docs/conventions.md#patch-semantics: `null` clears). */
  edits?: Record<string, unknown> | undefined;
}

/** The confirm's answer: the suggestion, now `confirmed`, and the direct endpoint's `data` as `result`. */
export interface Confirmation {
  suggestion: Suggestion;
  result: ActionResult;
  /** Achievements this confirm unlocked (a completion, a note conversion); also inside a completion's result. */
  unlocked_achievements: UnlockedAchievement[];
}

export async function confirmSuggestion({ ctx, input }: { ctx: ServiceContext; input: ConfirmInput }): Promise<{ status: 200 | 201; confirmation: Confirmation }> {
  const actor = ctx.actor;
  if (actor.type !== "user") throw new Unauthorized();
  // The change is the user's (their data, their limits), performed on the AI's proposal: actor `ai`.
  const aiCtx: ServiceContext = { ...ctx, actor: { type: "ai", userId: actor.userId, sessionId: actor.sessionId, tier: actor.tier } };
  // The status is the direct endpoint's, known once round trip 1 said which endpoint; set before the commit
  // stores the response (`runWrite` reads `spec.status` then).
  const spec: WriteSpec<Confirmation> & { status: 200 | 201 } = { operation: "ai.suggestions.confirm", status: 201, finish: withFields };
  const confirmation = await runWrite(aiCtx, spec, (unit) => confirm(unit, input, spec));
  return { status: spec.status, confirmation };
}

async function confirm(unit: WriteUnit, input: ConfirmInput, spec: { status: 200 | 201 }): Promise<Confirmation> {
  const ctx = unit.ctx;
  const userId = requireUserId(ctx);
  const prefetched = prefetch(unit, userId, input.id);
  await unit.load();
  const record = prefetched.suggestion.result.rows[0]?.suggestion;
  if (record === undefined) throw new NotFound("Suggestion");
  const now = ctx.clock.now();
  const current = presentSuggestion(record, now);
  if (current.status !== "pending") throw notPending(current);

  const action = actionOf(record);
  const payload = merge(record.payload, input.edits);
  const checked = action.check(payload);
  if (!checked.ok) throw editsInvalid(checked.error);
  prefetched.supply(record);

  const stamp = now.toISOString();
  unit.write(resolveStatement(unit, userId, record.id, "confirmed", stamp, payload));
  const result = await checked.run(unit, { taskId: record.task_id, noteId: record.note_id });
  spec.status = action.status;
  return { suggestion: { ...current, payload, status: "confirmed", resolved_at: stamp }, result, unlocked_achievements: [] };
}

/** `POST /ai/suggestions/{id}/reject`: pending → rejected (guarded like confirm), ≤ 2 round trips. */
export function rejectSuggestion({ ctx, input }: { ctx: ServiceContext; input: { id: string } }): Promise<Suggestion> {
  return runWrite(ctx, { operation: "ai.suggestions.reject" }, async (unit) => {
    const userId = requireUserId(unit.ctx);
    const rows = unit.read(suggestionStatement(unit, userId, input.id));
    await unit.load();
    const record = rows.result.rows[0]?.suggestion;
    if (record === undefined) throw new NotFound("Suggestion");
    const now = unit.ctx.clock.now();
    const current = presentSuggestion(record, now);
    if (current.status !== "pending") throw notPending(current);
    const stamp = now.toISOString();
    unit.write(resolveStatement(unit, userId, record.id, "rejected", stamp, record.payload));
    return { ...current, status: "rejected", resolved_at: stamp };
  });
}

function suggestionStatement(unit: WriteUnit, userId: string, id: string) {
  return unit.ctx.db.execute<{ suggestion: SuggestionRecord }>(sql`
    select ${suggestionJsonSql("s")} as suggestion from ai_suggestions s where s.id = ${id} and s.user_id = ${userId}`);
}

/** Round trip 1 of a confirm (see the file comment), and how its results answer the service's own reads. */
function prefetch(unit: WriteUnit, userId: string, id: string) {
  const ctx = unit.ctx;
  const taskOfSuggestion = sql`(select s.task_id from ai_suggestions s where s.id = ${id} and s.user_id = ${userId})`;
  const noteOfSuggestion = sql`(select s.note_id from ai_suggestions s where s.id = ${id} and s.user_id = ${userId})`;
  const suggestion = unit.read(suggestionStatement(unit, userId, id));
  const limits = unit.read(limitsStatement(ctx, userId));
  const templates = unit.read(liveTemplatesStatement(ctx, userId));
  const task = unit.read(taskForWriteStatement(ctx, userId, taskOfSuggestion));
  const detail = unit.read(completionTaskStatement(ctx, userId, taskOfSuggestion));
  const reminders = unit.read(reminderCountStatement(ctx, userId, taskOfSuggestion));
  const note = unit.read(noteForConversionStatement(ctx, userId, noteOfSuggestion));
  return {
    suggestion,
    supply(record: SuggestionRecord): void {
      unit.supply(limitsStatement(ctx, userId), limits.result);
      unit.supply(liveTemplatesStatement(ctx, userId), templates.result);
      if (record.task_id !== null) {
        unit.supply(taskForWriteStatement(ctx, userId, record.task_id), task.result);
        unit.supply(completionTaskStatement(ctx, userId, record.task_id), detail.result);
        unit.supply(reminderCountStatement(ctx, userId, record.task_id), reminders.result);
      }
      if (record.note_id !== null) unit.supply(noteForConversionStatement(ctx, userId, record.note_id), note.result);
    },
  };
}

function actionOf(record: SuggestionRecord): SuggestionAction {
  if (record.kind === "chat_action") {
    if (record.action_type === null || !isChatActionType(record.action_type)) throw new Error(`stored suggestion ${record.id} has an unknown action type`);
    return ACTIONS[record.action_type];
  }
  return KIND_ACTIONS[record.kind];
}

/** The payload with the edits applied; the suggestion's target is not editable. */
function merge(payload: Record<string, unknown>, edits: Record<string, unknown> | undefined): Record<string, unknown> {
  if (edits === undefined) return payload;
  const fixed = TARGET_FIELDS.filter((field) => Object.hasOwn(edits, field));
  if (fixed.length > 0) throw new ValidationFailed(fixed.map((field) => ({ field: `edits.${field}`, reason: "What a suggestion is about cannot be edited." })));
  return { ...payload, ...edits };
}

function editsInvalid(error: z.ZodError): ValidationFailed {
  return new ValidationFailed(
    error.issues.map((issue) => ({ field: ["edits", ...issue.path.map(String)].join("."), reason: issue.message })),
    "The suggestion with these edits is not a valid request.",
  );
}

function notPending(suggestion: Suggestion): ApiError {
  return new ApiError("SUGGESTION_NOT_PENDING", { message: `This suggestion is ${suggestion.status}.`, details: { status: suggestion.status } });
}

/**
 * The suggestion's resolution, guarded: it moves only a pending, unexpired row, and a failed guard aborts the
 * whole batch. First in the batch (after the idempotency record), so a parallel confirm waits on this row's
 * lock before doing anything else and then fails cleanly.
 */
function resolveStatement(unit: WriteUnit, userId: string, id: string, status: "confirmed" | "rejected", stamp: string, payload: Record<string, unknown>) {
  return unit.ctx.db.execute(sql`
    with resolved as (
      update ai_suggestions set status = ${status}, resolved_at = ${stamp}::timestamptz, payload = ${JSON.stringify(payload)}::jsonb
      where id = ${id} and user_id = ${userId} and status = 'pending' and expires_at > ${stamp}::timestamptz
      returning 1)
    select ${guard("SUGGESTION_NOT_PENDING", sql`exists (select 1 from resolved)`)}`);
}

/** Handler fields (unlocked achievements; a completion's next instance) folded into the answer. */
function withFields(value: Confirmation, fields: { unlocked_achievements?: UnlockedAchievement[]; next_instance?: CompletionResult["next_instance"] }): Confirmation {
  const unlocked = fields.unlocked_achievements ?? [];
  const result = isCompletion(value.result) ? { ...value.result, unlocked_achievements: unlocked, next_instance: fields.next_instance ?? null } : value.result;
  return { ...value, result, unlocked_achievements: unlocked };
}

function isCompletion(result: ActionResult): result is CompletionResult {
  return !Array.isArray(result) && "next_instance" in result && "task" in result;
}
