import { sql } from "drizzle-orm";
import { ApiError } from "../../errors/api-error";
import { guard } from "../guards";
import type { ServiceContext } from "../context";
import { IdempotentReplay, type IdempotencyRow, type IdempotencyScope, type StoredResponse } from "./types";

/** The record of this key, as one statement (to ride in a batch). `response_headers` as text: parsed once. */
export function lookupStatement(ctx: ServiceContext, scope: IdempotencyScope) {
  return ctx.db.execute<IdempotencyRow & Record<string, unknown>>(sql`
    select status, method, path, request_hash, response_status, response_body,
           response_headers::text as response_headers, locked_until::text as locked_until
    from idempotency_records
    where user_id = ${scope.userId} and key = ${scope.key}`);
}

/**
 * What an existing record means for this request (docs/conventions.md#idempotency): another request under the same key → 422; the
 * same request completed → replay; still running under a live lease → 409; a lease left by a request that
 * died → this request may take over (returns normally).
 */
export function evaluateRecord(row: IdempotencyRow | undefined, scope: IdempotencyScope, now: Date): void {
  if (!row) return;
  if (row.request_hash !== scope.requestHash || row.method !== scope.method || row.path !== scope.path) {
    throw new ApiError("IDEMPOTENCY_KEY_REUSED", {
      message: "This Idempotency-Key was already used for a different request; use a new key for a new request.",
    });
  }
  if (row.status === "completed") throw new IdempotentReplay(storedResponse(row));
  if (row.locked_until === scope.claim) return;
  if (new Date(row.locked_until).getTime() > now.getTime()) {
    throw new ApiError("IDEMPOTENCY_IN_PROGRESS", {
      message: "A request with this Idempotency-Key is still being processed; retry shortly.",
      headers: { "Retry-After": "1" },
    });
  }
}

function storedResponse(row: IdempotencyRow): StoredResponse {
  return {
    status: row.response_status ?? 200,
    body: row.response_body ?? "",
    headers: row.response_headers === null ? {} : (JSON.parse(row.response_headers) as Record<string, string>),
  };
}

/**
 * Records the completed response – as the FIRST statement of the write's own batch, so the record commits
 * if and only if the effect does. It inserts, or completes this request's own claim / a lease abandoned by a
 * request that died; anything else (a concurrent duplicate that committed first, a live claim) makes the
 * guard abort the whole batch with IDEMPOTENCY_KEY_TAKEN, and the caller looks the record up to answer.
 * A concurrent duplicate blocks on the primary key until the first transaction ends, so exactly one wins.
 */
export function completionStatement(ctx: ServiceContext, scope: IdempotencyScope, response: StoredResponse) {
  const now = ctx.clock.now().toISOString();
  return ctx.db.execute(sql`
    with recorded as (
      insert into idempotency_records
        (user_id, key, method, path, request_hash, status, response_status, response_body, response_headers,
         locked_until, created_at, completed_at)
      values (${scope.userId}, ${scope.key}, ${scope.method}, ${scope.path}, ${scope.requestHash}, 'completed',
              ${response.status}, ${response.body}, ${JSON.stringify(response.headers)}::jsonb,
              ${now}::timestamptz, ${now}::timestamptz, ${now}::timestamptz)
      on conflict (user_id, key) do update
        set status = 'completed', response_status = excluded.response_status, response_body = excluded.response_body,
            response_headers = excluded.response_headers, completed_at = excluded.completed_at
        where idempotency_records.status = 'in_progress'
          and idempotency_records.request_hash = excluded.request_hash
          and (idempotency_records.locked_until < ${now}::timestamptz
               or idempotency_records.locked_until = ${scope.claim ?? null}::timestamptz)
      returning 1
    )
    select perpetua_guard(exists (select 1 from recorded), 'IDEMPOTENCY_KEY_TAKEN')`);
}

/**
 * Claim mode, for writes that cannot be one batch (an AI call between charging and recording): the key is
 * taken `in_progress` with a lease first; a duplicate meanwhile gets 409 IDEMPOTENCY_IN_PROGRESS. The
 * completion later goes through completionStatement in the same batch as the effect.
 */
export async function claimKey(ctx: ServiceContext, scope: IdempotencyScope, leaseSeconds: number): Promise<void> {
  const now = ctx.clock.now();
  const until = new Date(now.getTime() + leaseSeconds * 1000).toISOString();
  const result = await ctx.db.execute<{ locked_until: string } & Record<string, unknown>>(sql`
    insert into idempotency_records (user_id, key, method, path, request_hash, status, locked_until, created_at)
    values (${scope.userId}, ${scope.key}, ${scope.method}, ${scope.path}, ${scope.requestHash}, 'in_progress',
            ${until}::timestamptz, ${now.toISOString()}::timestamptz)
    on conflict (user_id, key) do update set locked_until = excluded.locked_until
      where idempotency_records.status = 'in_progress'
        and idempotency_records.request_hash = excluded.request_hash
        and idempotency_records.locked_until < ${now.toISOString()}::timestamptz
    returning locked_until::text as locked_until`);
  const claimed = result.rows[0];
  if (claimed) {
    scope.claim = claimed.locked_until;
    scope.checked = true;
    return;
  }
  const existing = await lookupStatement(ctx, scope);
  evaluateRecord(existing.rows[0], scope, now);
  throw new ApiError("IDEMPOTENCY_IN_PROGRESS", { headers: { "Retry-After": "1" } });
}

/** Stores a response after the fact (failure paths only: an error response whose request had no effect). */
export async function storeOutcome(ctx: ServiceContext, scope: IdempotencyScope, response: StoredResponse): Promise<void> {
  await completionStatement(ctx, scope, response).catch(() => undefined);
}

/** The lease a claim made at `now` holds (its exact `locked_until`, which proves ownership later). */
export function claimUntil(now: Date, leaseSeconds: number): string {
  return new Date(now.getTime() + leaseSeconds * 1000).toISOString();
}

/**
 * claimKey as one statement, to ride in a batch with the first effect (a charge): a first use inserts the key
 * `in_progress`, a lease left by a request that died is taken over; a live claim or a completed record (a
 * duplicate that got there between the caller's read and this commit) aborts the batch – charge included –
 * with 409 IDEMPOTENCY_IN_PROGRESS (guard KEY_CLAIM_LOST). After the commit, set `scope.claim` to
 * `claimUntil(now, leaseSeconds)`.
 */
export function claimInBatchStatement(ctx: ServiceContext, scope: IdempotencyScope, now: Date, leaseSeconds: number) {
  const until = claimUntil(now, leaseSeconds);
  const stamp = now.toISOString();
  return ctx.db.execute(sql`
    with claimed as (
      insert into idempotency_records (user_id, key, method, path, request_hash, status, locked_until, created_at)
      values (${scope.userId}, ${scope.key}, ${scope.method}, ${scope.path}, ${scope.requestHash}, 'in_progress',
              ${until}::timestamptz, ${stamp}::timestamptz)
      on conflict (user_id, key) do update set locked_until = excluded.locked_until
        where idempotency_records.status = 'in_progress'
          and idempotency_records.request_hash = excluded.request_hash
          and idempotency_records.locked_until < ${stamp}::timestamptz
      returning 1)
    select ${guard("KEY_CLAIM_LOST", sql`exists (select 1 from claimed)`)}`);
}

/** Gives a claim back (a failed call: 5xx answers are never stored, so a retry with the same key runs again). */
export function releaseClaimStatement(ctx: ServiceContext, scope: IdempotencyScope, claim: string) {
  return ctx.db.execute(sql`delete from idempotency_records where user_id = ${scope.userId} and key = ${scope.key}
    and status = 'in_progress' and locked_until = ${claim}::timestamptz`);
}
