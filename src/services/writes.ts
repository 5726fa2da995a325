import type { BatchItem, BatchResponse } from "drizzle-orm/batch";
import { ApiError } from "../errors/api-error";
import type { ErrorCode } from "../errors/codes";
import { errorCodes } from "../errors/codes";
import type { ServiceContext } from "./context";
import { completionStatement, evaluateRecord, lookupStatement } from "./idempotency/records";
import type { IdempotencyRow, StoredResponse } from "./idempotency/types";

type Statements = readonly [BatchItem<"pg">, ...BatchItem<"pg">[]];

/**
 * The shape of every write over HTTP (ARCHITECTURE: ≤ 2 round trips per write, no interactive
 * transactions), idempotency included:
 *
 *   round trip 1 – `readForWrite`: the rows the write depends on, with the Idempotency-Key lookup riding in
 *     the same batch (a completed key replays right here, a reused key is 422, a live claim 409);
 *   the Worker decides and computes the outcome – ids, versions and timestamps are chosen here, so the
 *     response is known before anything is written;
 *   round trip 2 – `commitWrite`: ONE batch = the idempotency record holding that exact response, then the
 *     effect. Conditions the Worker cannot re-check (version still current, limit not reached under
 *     concurrency) are `perpetua_guard(...)` calls inside the statements; a failed guard aborts the batch, so
 *     the record exists if and only if the effect committed – a Worker dying after the commit leaves a record
 *     the retry replays, never a second effect.
 *
 * A write that needs no read (a plain create) skips round trip 1: a key already used then surfaces as the
 * record statement's guard, and one extra lookup answers the retry.
 */
export async function readForWrite<T extends Statements>(ctx: ServiceContext, queries: T): Promise<BatchResponse<T>> {
  const scope = ctx.idempotency;
  if (!scope || scope.checked) return runBatch(ctx, queries);
  const [lookup, ...rows] = (await ctx.db.batch([lookupStatement(ctx, scope), ...queries] as unknown as Statements)) as readonly unknown[];
  scope.checked = true;
  evaluateRecord(firstRow(lookup), scope, ctx.clock.now());
  return rows as BatchResponse<T>;
}

/** A failed `perpetua_guard(ok, code, details)` in a write: the API error it stands for. */
export class GuardFailed extends Error {
  constructor(
    readonly code: string,
    readonly details: unknown,
  ) {
    super(`guard failed: ${code}`);
    this.name = "GuardFailed";
  }

  /** As the SPEC §12 error when `code` is one (services may map it to something more specific first). */
  toApiError(message?: string, details: unknown = this.details): ApiError {
    if (!(this.code in errorCodes)) return new ApiError("INTERNAL_ERROR", { cause: this });
    return new ApiError(this.code as ErrorCode, { ...(message === undefined ? {} : { message }), details });
  }
}

export async function commitWrite<T extends Statements>(ctx: ServiceContext, statements: T, response: StoredResponse): Promise<BatchResponse<T>> {
  const scope = ctx.idempotency;
  if (!scope) return runBatch(ctx, statements);
  try {
    const [, ...results] = (await ctx.db.batch([completionStatement(ctx, scope, response), ...statements] as unknown as Statements)) as readonly unknown[];
    scope.stored = true;
    return results as BatchResponse<T>;
  } catch (error) {
    const guard = guardFailure(error);
    if (guard?.code === "IDEMPOTENCY_KEY_TAKEN") {
      // Someone committed this key first (a concurrent duplicate, or a retry racing its original): answer as
      // that record says – replay, 422 or 409.
      const existing = await lookupStatement(ctx, scope);
      evaluateRecord(firstRow(existing), scope, ctx.clock.now());
      throw new ApiError("IDEMPOTENCY_IN_PROGRESS", { headers: { "Retry-After": "1" } });
    }
    throw guard ?? error;
  }
}

/** Runs statements in one round trip (one statement alone needs no batch). Guards map to GuardFailed. */
export async function runBatch<T extends Statements>(ctx: ServiceContext, statements: T): Promise<BatchResponse<T>> {
  try {
    if (statements.length === 1) return [await statements[0]] as BatchResponse<T>;
    return await ctx.db.batch(statements);
  } catch (error) {
    throw guardFailure(error) ?? error;
  }
}

/** Finds a `perpetua_guard` failure (SQLSTATE PFG01) in a driver error or its causes. */
export function guardFailure(error: unknown): GuardFailed | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const pg = current as Error & { code?: string; detail?: string };
    if (pg.code === "PFG01") {
      return new GuardFailed(pg.message, parseDetails(pg.detail));
    }
  }
  return undefined;
}

function parseDetails(detail: string | undefined): unknown {
  if (detail === undefined) return null;
  try {
    return JSON.parse(detail);
  } catch {
    return null;
  }
}

function firstRow(result: unknown): IdempotencyRow | undefined {
  const rows = (result as { rows?: IdempotencyRow[] } | undefined)?.rows;
  return rows?.[0];
}
