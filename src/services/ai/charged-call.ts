/**
 * docs/ai.md "One AI call": how every AI operation charges, calls the model and settles – once, whatever
 * fails and however often the client retries. An AI call cannot be one batch (the model answers between
 * the charge and the result), so, like a batch transcription:
 *
 * 0. The per-task counter (UserGuard, one RPC) when the call is about a task: 429 from the 11th request.
 * 1. Round trip 1 reads the Idempotency-Key's record (replay / 422 / 409), what the operation needs to
 *    decide (its `prepare` reads: the task, the note, the conversation – always by user) and this key's
 *    earlier charges.
 * 2. Round trip 2, its own batch: the key CLAIMED (`in_progress`, a lease longer than the model's deadline –
 *    a duplicate meanwhile answers 409) and the credit consumed (402 aborts both). Ten parallel calls with
 *    five credits: the consumption locks the user's credit row, so exactly five get through.
 * 3. The model, with one deadline of AI_TIMEOUT_SECONDS for the whole run.
 *    - An answer → round trip 3, one batch: the operation's effect (a stored suggestion, a conversation
 *      turn), the `ai_interactions` row (outcome `success`, the credit kept) and the completed
 *      Idempotency-Key record holding this exact response. A retry replays it without a model call.
 *    - A failure, a timeout or an empty answer → round trip 3': the credit refunded exactly, the
 *      `ai_interactions` row (outcome `failure`/`timeout`, credits 0) and the claim released, so a retry
 *      with the same key runs again; `503 AI_SERVICE_UNAVAILABLE` saying the credit came back.
 *
 * Never twice charged: the consumption's reference names the operation and a digest of the Idempotency-Key;
 * a request that finds this key's charge unrefunded (the Worker died after step 2 and the lease ran out)
 * carries on with that charge instead of taking another.
 */
import { sql } from "drizzle-orm";
import type { AiInteractionKind } from "../../db/schema";
import { ApiError } from "../../errors/api-error";
import { sha256Hex } from "../../lib/hashing";
import type { ServiceContext } from "../context";
import { consumeCredits } from "../credits/consume";
import { refundCredits } from "../credits/refund";
import { countAiTaskRequest } from "../guard/count-ai-task-request";
import { claimInBatchStatement, claimUntil, evaluateRecord, lookupStatement, releaseClaimStatement } from "../idempotency/records";
import { metrics } from "../metrics/recorder";
import { runWrite, type WriteUnit } from "../unit-of-work";
import { interactionStatement } from "./interactions";
import type { StoredResponse } from "../idempotency/types";
import { ModelFailure, modelFailure, openModelRun, type ModelRun, type TokenUsage } from "./model";

/** What every AI answer carries besides its own fields (SPEC §7 contract details). */
export interface Charged {
  credits_used: number;
  credits_remaining: number;
  ai_request_warning: boolean;
}

/** One call's identity, settled in its last batch. */
export interface CallTicket {
  interactionId: string;
  userId: string;
  charged: Charged;
}

/** Steps 0–2: what an AI operation is and what it reads before it is charged. */
export interface AiCallBegin<P> {
  kind: AiInteractionKind;
  /** `resource.verb` of the final write, e.g. `ai.subtasks`. */
  operation: string;
  /** The ledger's reason (`ai_subtasks`, …) and the credits one call costs. */
  reason: string;
  credits: number;
  /** The task the call is about: counted per login session (docs/ai.md "Per-task limit"). */
  countTaskId?: string;
  /**
   * Contributes round trip 1's reads to `unit` (synchronously) and answers the decision to run after they
   * loaded: throw an ApiError (404, 409, …) to refuse before anything is charged.
   */
  prepare(unit: WriteUnit): () => P;
  /** Secret-free summary of the input for ai_interactions. */
  summary(prepared: P): string;
  /** Ids ai_interactions links to. */
  links(prepared: P): { taskId?: string | null; noteId?: string | null; conversationId?: string | null };
  /** Statements of the charge's batch (round trip 2), e.g. a new conversation the stream's suggestions refer to. */
  contribute?(unit: WriteUnit, prepared: P): void;
  /** Statements of the refund's batch, undoing `contribute`. */
  undo?(unit: WriteUnit, prepared: P): void;
}

/** A whole non-streaming AI operation. */
export interface AiCallSpec<P, R, V> extends AiCallBegin<P> {
  /** Status of the success response. */
  status: 200 | 201;
  call(prepared: P, run: ModelRun): Promise<{ result: R; usage: TokenUsage }>;
  /** Contributes the effect to the final batch and answers the response value; throw ModelFailure for an unusable answer. */
  finish(unit: WriteUnit, prepared: P, result: R, ticket: CallTicket): V;
  /** What ai_interactions keeps of the answer. */
  output(result: R): unknown;
}

/** A charged call between step 2 and its settlement (exactly one of `settle` / `fail`). */
export interface OpenAiCall<P> {
  prepared: P;
  ticket: CallTicket;
  /**
   * Step 3: `effect` contributes to the final batch (throw ModelFailure for an unusable answer) and answers
   * the value; `response` – the exact bytes stored under the Idempotency-Key – defaults to `{data: value}`.
   */
  settle<V>(options: { status: 200 | 201; output: unknown; usage: TokenUsage; effect: (unit: WriteUnit) => V; response?: (value: V) => StoredResponse }): Promise<V>;
  /** Step 3': refund, log, release; answers the 503 to throw (or to send as an `error` event). */
  fail(error: unknown, usage?: TokenUsage): Promise<ApiError>;
}

/** The claim outlives the model's deadline, so a live call is never taken over by its own retry. */
function leaseSeconds(ctx: ServiceContext): number {
  return ctx.config.AI_TIMEOUT_SECONDS + 30;
}

interface Started<P> {
  prepared: P;
  reference: string;
  ticket: CallTicket;
}

export async function runChargedAiCall<P, R, V>(ctx: ServiceContext, spec: AiCallSpec<P, R, V>): Promise<V> {
  const call = await beginAiCall(ctx, spec);
  const run = await openModelRun(ctx.config);
  let answered: { result: R; usage: TokenUsage };
  try {
    answered = await spec.call(call.prepared, run);
  } catch (error) {
    throw await call.fail(modelFailure(error, run.signal));
  }
  try {
    return await call.settle({
      status: spec.status,
      output: spec.output(answered.result),
      usage: answered.usage,
      effect: (unit) => spec.finish(unit, call.prepared, answered.result, call.ticket),
    });
  } catch (error) {
    // An unusable answer (empty, nothing valid) is the model's failure; anything else while settling (the
    // database) is not: the claim's lease runs out and a retry with the same key resumes with this charge.
    if (!(error instanceof ModelFailure)) throw error;
    throw await call.fail(error, answered.usage);
  }
}

/** Steps 0–2; the caller runs the model and then settles or fails the call. */
export async function beginAiCall<P>(ctx: ServiceContext, spec: AiCallBegin<P>): Promise<OpenAiCall<P>> {
  const actor = ctx.actor;
  if (actor.type !== "user") throw new ApiError("UNAUTHORIZED");
  const warning = spec.countTaskId === undefined ? false : (await countAiTaskRequest({ ctx, input: { taskId: spec.countTaskId } })).warning;
  const started = await start(ctx, spec, actor.userId, warning);
  const began = Date.now();
  // Settled once: a successful settle ends the call; a failed one (an unusable answer) may still be failed.
  let settled = false;
  const open = () => {
    if (settled) throw new Error("an AI call is settled once");
  };
  return {
    prepared: started.prepared,
    ticket: started.ticket,
    async settle(options) {
      open();
      const value = await settle(ctx, spec, started, options, Date.now() - began);
      settled = true;
      return value;
    },
    async fail(error, usage) {
      open();
      settled = true;
      const failure = error instanceof ModelFailure ? error : modelFailure(error, AbortSignal.abort());
      await refund(ctx, spec, started, failure, usage, Date.now() - began);
      const credits = started.ticket.charged.credits_used;
      return new ApiError("AI_SERVICE_UNAVAILABLE", {
        message: `The AI service ${failure.outcome === "timeout" ? "did not answer in time" : "failed"}; your ${credits === 1 ? "credit was" : `${credits} credits were`} refunded. Try again.`,
        headers: { "Retry-After": "5" },
        details: { outcome: failure.outcome, credits_refunded: credits },
      });
    },
  };
}

/** Steps 1–2 (see the file comment). */
async function start<P>(ctx: ServiceContext, spec: AiCallBegin<P>, userId: string, warning: boolean): Promise<Started<P>> {
  const { idempotency: scope, ...bare } = ctx;
  const prefix = `ai:${spec.kind}:${(await sha256Hex(scope === undefined ? ctx.requestId : scope.key)).slice(0, 32)}:`;
  const now = ctx.clock.now();
  const started = await runWrite(bare, { operation: `${spec.operation}_start`, userId, status: 204 }, async (unit) => {
    const record = scope === undefined || scope.checked ? undefined : unit.read(lookupStatement(ctx, scope));
    const decide = spec.prepare(unit);
    const state = unit.read(
      ctx.db.execute<{ reference: string | null; consumed: string | number | null; usable: string | number }>(sql`
        select c.reference, c.consumed, (select coalesce(sum(remaining), 0) from credit_lots
            where user_id = ${userId} and remaining > 0 and expired_at is null
              and (expires_at is null or expires_at > ${now.toISOString()}::timestamptz)) as usable
        from (select 1) one
        left join lateral (
          select reference, -sum(amount) filter (where kind = 'consume') as consumed
          from credit_ledger
          where user_id = ${userId} and kind in ('consume', 'refund') and left(reference, ${prefix.length}) = ${prefix}
          group by reference
          having count(*) filter (where kind = 'refund') = 0 and sum(amount) filter (where kind = 'consume') < 0
          order by min(created_at) desc limit 1) c on true`),
    );
    await unit.load();
    if (record !== undefined && scope !== undefined) {
      evaluateRecord(record.result.rows[0], scope, now);
      scope.checked = true;
    }
    const prepared = decide();
    spec.contribute?.(unit, prepared);
    const row = state.result.rows[0];
    const resumed = row?.reference ?? undefined;
    const reference = resumed ?? `${prefix}${crypto.randomUUID().slice(0, 8)}`;
    if (scope !== undefined) unit.write(claimInBatchStatement(unit.ctx, scope, now, leaseSeconds(ctx)));
    const consumption = resumed === undefined ? consumeCredits({ ctx: unit.ctx, input: { userId, amount: spec.credits, reason: spec.reason, reference } }) : undefined;
    const credits = resumed === undefined ? spec.credits : Number(row?.consumed ?? spec.credits);
    const usable = Number(row?.usable ?? 0);
    return {
      prepared,
      reference,
      ticket: {
        interactionId: crypto.randomUUID(),
        userId,
        get charged(): Charged {
          return { credits_used: credits, credits_remaining: consumption?.outcome.balance ?? usable, ai_request_warning: warning };
        },
      },
    };
  });
  if (scope !== undefined) scope.claim = claimUntil(now, leaseSeconds(ctx));
  // Freeze the charge now that the batch committed.
  const charged = started.ticket.charged;
  return { ...started, ticket: { ...started.ticket, charged } };
}

/** Step 3: the effect, the log row and the completed key, in one batch. */
async function settle<P, V>(
  ctx: ServiceContext,
  spec: AiCallBegin<P>,
  started: Started<P>,
  options: { status: 200 | 201; output: unknown; usage: TokenUsage; effect: (unit: WriteUnit) => V; response?: (value: V) => StoredResponse },
  latencyMs: number,
): Promise<V> {
  const writeSpec = { operation: spec.operation, userId: started.ticket.userId, status: options.status, ...(options.response !== undefined && { response: options.response }) };
  const value = await runWrite(ctx, writeSpec, async (unit) => {
    const result = options.effect(unit);
    unit.write(
      interactionStatement(unit.ctx, {
        id: started.ticket.interactionId,
        userId: started.ticket.userId,
        sessionId: sessionOf(ctx),
        kind: spec.kind,
        ...spec.links(started.prepared),
        inputSummary: spec.summary(started.prepared),
        output: options.output,
        model: ctx.config.OPENAI_MODEL,
        usage: options.usage,
        credits: started.ticket.charged.credits_used,
        latencyMs,
        outcome: "success",
      }),
    );
    return result;
  });
  metrics.observe("ai_request_duration_seconds", { kind: spec.kind, outcome: "success" }, latencyMs / 1000);
  return value;
}

/** Step 3': the charge refunded, the failure logged, the claim released – one batch, outside the key. */
async function refund<P>(ctx: ServiceContext, spec: AiCallBegin<P>, started: Started<P>, failure: ModelFailure, usage: TokenUsage | undefined, latencyMs: number): Promise<void> {
  const { idempotency: scope, ...bare } = ctx;
  ctx.log.warn("ai call failed", { kind: spec.kind, outcome: failure.outcome, error: failure.message });
  await runWrite(bare, { operation: `${spec.operation}_failed`, userId: started.ticket.userId, status: 204 }, async (unit) => {
    refundCredits({ ctx: unit.ctx, input: { userId: started.ticket.userId, reference: started.reference, reason: `${spec.reason}_failed`.slice(0, 64) } });
    unit.write(
      interactionStatement(unit.ctx, {
        id: started.ticket.interactionId,
        userId: started.ticket.userId,
        sessionId: sessionOf(ctx),
        kind: spec.kind,
        ...spec.links(started.prepared),
        inputSummary: spec.summary(started.prepared),
        output: null,
        model: ctx.config.OPENAI_MODEL,
        usage: usage ?? { input: 0, output: 0 },
        credits: 0,
        latencyMs,
        outcome: failure.outcome,
        error: failure.message,
      }),
    );
    if (scope?.claim !== undefined) unit.write(releaseClaimStatement(unit.ctx, scope, scope.claim));
    spec.undo?.(unit, started.prepared);
    return null;
  });
  if (scope !== undefined) delete scope.claim;
  metrics.observe("ai_request_duration_seconds", { kind: spec.kind, outcome: failure.outcome }, latencyMs / 1000);
}

function sessionOf(ctx: ServiceContext): string | null {
  return ctx.actor.type === "user" || ctx.actor.type === "ai" ? ctx.actor.sessionId : null;
}
