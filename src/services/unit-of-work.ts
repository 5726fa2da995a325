import type { SQL } from "drizzle-orm";
import { reportError } from "../lib/sentry";
import type { BatchItem } from "drizzle-orm/batch";
import { ApiError } from "../errors/api-error";
import { isRetryableWriteConflict } from "../db/errors";
import { childContext, type ServiceContext } from "./context";
import { openHandlers } from "./events/handlers";
import type { DomainEvent } from "./events/types";
import { guardError, guardFailure } from "./guards";
import { completionStatement, evaluateRecord, lookupStatement } from "./idempotency/records";
import { jsonResponse, type IdempotencyRow, type StoredResponse } from "./idempotency/types";
import { bindingStatement, resolveBindings, type Binding } from "./batch-bindings";
import { outboxStatement, sendAfterCommit, type Enqueued } from "./outbox/enqueue";
import type { QueueMessage } from "./outbox/messages";
import type { ResponseFields } from "./response-fields";

/** One SQL statement that can ride in a batch (drizzle's `db.execute(sql…)`, `db.select()…`). */
export type Statement = BatchItem<"pg">;

/**
 * The result of a statement contributed to one of the unit's round trips, available once that round trip
 * ran (reading it earlier is a bug in the service, so it throws).
 */
export class Pending<R> {
  #state: { settled: false } | { settled: true; value: R } = { settled: false };

  constructor(readonly statement: Statement) {}

  get result(): R {
    if (!this.#state.settled) throw new Error("a statement's result was read before its round trip ran");
    return this.#state.value;
  }

  /** @internal the round trip's raw result for this statement (its type is the statement's own, see `read`). */
  settle(value: unknown): void {
    // The batch API returns one untyped array for a dynamic list of statements; each entry is the result of
    // the statement this Pending was created for, whose result type R was captured by `read`/`write` below.
    this.#state = { settled: true, value: value as R };
  }
}

/** How a write's response is built from its value (`status` 204 → no body). */
export interface WriteSpec<V> {
  /** `resource.verb`, e.g. `tasks.complete`: event handlers may look at it to decide what to read. */
  operation: string;
  /** Whose data the write changes; default the acting user (a system job writing for a user names them). */
  userId?: string;
  /**
   * The id of the row the write is about (e.g. the task being completed), so event handlers can read what they
   * need about it in round trip 1 – before the write's own code has read anything.
   */
  subjectId?: string;
  /** Default 200. 204 stores and sends no body. */
  status?: 200 | 201 | 204;
  /** Folds the fields event handlers contributed into the value (e.g. `unlocked_achievements`). */
  finish?: (value: V, fields: ResponseFields) => V;
  /** The stored response when it is not `{data: value}` JSON (the AI chat stores its whole SSE stream). */
  response?: (value: V) => StoredResponse;
}

/**
 * At most this many runs of a write whose batch lost a race it can recover from (see `runWrite`): enough for
 * every writer of one task's subtasks (Pro: 10 plus perks) racing at once to get through in practice, with a
 * short random back-off so the losers do not collide again in lockstep.
 */
export const WRITE_ATTEMPTS = 6;
const BACKOFF_MS = 15;

/**
 * The unit of work of one write request (docs/write-protocol.md): everything the write and the services it
 * calls contribute to round trip 1 (reads) and round trip 2 (one commit batch), plus events, queue messages,
 * response fields and after-commit work. Services receive it from `runWrite` and pass `unit.ctx` to the
 * services they call, which then join this unit instead of committing on their own.
 */
export class WriteUnit {
  readonly ctx: ServiceContext;
  readonly operation: string;
  /** Whose data this write changes (the activity log's owner). */
  readonly userId: string | undefined;
  /** WriteSpec.subjectId: what the write is about, for handlers' round-trip-1 reads. */
  readonly subjectId: string | undefined;
  readonly events: DomainEvent[] = [];
  readonly fields: ResponseFields = {};
  readonly #reads: Pending<unknown>[] = [];
  readonly #writes: Pending<unknown>[] = [];
  readonly #messages: Enqueued[] = [];
  readonly #afterCommit: ((ctx: ServiceContext) => Promise<void>)[] = [];
  readonly #bindings: Binding[] = [];
  readonly #supplied = new Map<string, unknown>();
  #loading: Promise<void> | undefined;

  constructor(ctx: ServiceContext, operation: string, userId?: string, subjectId?: string) {
    this.ctx = { ...ctx, unit: this };
    this.operation = operation;
    this.subjectId = subjectId;
    const actor = ctx.actor;
    this.userId = userId ?? (actor.type === "user" || actor.type === "ai" ? actor.userId : undefined);
  }

  /**
   * A statement for the next read round trip. Its result is there after `await unit.load()` – at once, and
   * without a round trip, when the very same statement was `supply`-ed.
   */
  read<Q extends Statement>(statement: Q): Pending<Awaited<Q>> {
    const pending = new Pending<Awaited<Q>>(statement);
    const key = this.#supplied.size > 0 ? statementKey(statement) : undefined;
    if (key !== undefined && this.#supplied.has(key)) pending.settle(this.#supplied.get(key));
    else this.#reads.push(pending);
    return pending;
  }

  /**
   * Answers later `read`s of exactly `statement` (same SQL text, same parameters) with `result`, which the
   * write fetched in an earlier round trip by other means – e.g. confirming an AI suggestion reads the task it
   * names by a sub-select on the suggestion, in round trip 1, before it knows the task's id; the service it
   * then calls asks for that task by id and is answered from here, so the confirm stays at two round trips.
   * A read that does not match exactly simply goes to the next round trip (correct, one round trip more).
   */
  supply<Q extends Statement>(statement: Q, result: Awaited<Q>): void {
    const key = statementKey(statement);
    if (key !== undefined) this.#supplied.set(key, result);
  }

  /**
   * Runs every read contributed so far in ONE round trip, the Idempotency-Key lookup riding along the first
   * time (a completed key replays from here, a reused one is 422). Reads contributed before the first
   * `await` of their services share the round trip: `load()` waits one microtask before it sends, so
   * services started together (`Promise.all`) all get their reads in. Reading again later costs a round trip.
   */
  load(): Promise<void> {
    this.#loading ??= Promise.resolve().then(() => this.#flushReads());
    return this.#loading;
  }

  /** Whether reads were contributed that no `load()` has sent yet. */
  get hasPendingReads(): boolean {
    return this.#reads.length > 0;
  }

  /** A statement for the commit batch, in contribution order. Its result is there after the commit. */
  write<Q extends Statement>(statement: Q): Pending<Awaited<Q>> {
    const pending = new Pending<Awaited<Q>>(statement);
    this.#writes.push(pending);
    return pending;
  }

  /** Several statements for the commit batch whose results the write does not need. */
  writeAll(statements: readonly Statement[]): void {
    for (const statement of statements) this.write(statement);
  }

  emit(event: DomainEvent): void {
    this.events.push(event);
  }

  /**
   * A queue message caused by this write (the outbox, docs/write-protocol.md): an `outbox` row in the same
   * commit batch, sent right after the commit and, if that send fails or the Worker dies, by the minute relay.
   */
  enqueue(message: QueueMessage, options: { delaySeconds?: number } = {}): void {
    this.#messages.push({ id: crypto.randomUUID(), message, delaySeconds: options.delaySeconds ?? 0 });
  }

  /**
   * An integer of the response that only the commit batch can decide under concurrency (e.g. the position
   * of a subtask appended by one of twenty parallel requests): `expression` is evaluated after the write's
   * statements, in the same transaction; the stored response gets the decided number spliced in by the same
   * batch, and `resolve` puts it into the value the route sends – so the answer and its replay agree. Put the
   * returned placeholder into the value at field `field` until then.
   */
  bindInteger(field: string, expression: SQL, resolve: (value: number) => void): number {
    const placeholder = -(2 ** 52) - this.#bindings.length;
    this.#bindings.push({ field, placeholder, expression, resolve });
    return placeholder;
  }

  /** Best-effort work once the batch committed (in `waitUntil`, with its own round-trip count and logger). */
  afterCommit(work: (ctx: ServiceContext) => Promise<void>): void {
    this.#afterCommit.push(work);
  }

  async #flushReads(): Promise<void> {
    const reads = this.#reads.splice(0);
    this.#loading = undefined;
    const scope = this.ctx.idempotency;
    const lookup = scope && !scope.checked ? lookupStatement(this.ctx, scope) : undefined;
    const statements = [...(lookup ? [lookup] : []), ...reads.map((pending) => pending.statement)];
    const results = await runStatements(this.ctx, statements);
    if (lookup && scope) {
      scope.checked = true;
      evaluateRecord(firstRow(results[0]), scope, this.ctx.clock.now());
    }
    const own = lookup ? results.slice(1) : results;
    reads.forEach((pending, index) => pending.settle(own[index]));
  }

  /** @internal Round trip 2: the idempotency record with `response`, then every contributed statement. */
  async commit(response: StoredResponse): Promise<void> {
    if (this.#reads.length > 0) throw new Error("reads were contributed after the last load()");
    const ctx = this.ctx;
    const scope = ctx.idempotency;
    const record = scope ? completionStatement(ctx, scope, response) : undefined;
    const outbox = outboxStatement(ctx, this.userId, this.#messages);
    const bound = bindingStatement(ctx, this.#bindings, response);
    const statements = [
      ...(record ? [record] : []),
      ...this.#writes.map((pending) => pending.statement),
      ...(outbox ? [outbox] : []),
      ...(bound ? [bound] : []),
    ];
    if (statements.length === 0) return;
    // Round trip 1 may have run while the rate limiter decided; the effect may not.
    await ctx.admission;
    let results: unknown[];
    try {
      results = await runStatements(ctx, statements);
    } catch (error) {
      if (scope && guardFailure(error)?.code === "IDEMPOTENCY_KEY_TAKEN") {
        // Someone committed this key first (a concurrent duplicate, or a retry racing its original): answer as
        // that record says – replay, 422 or 409.
        const [existing] = await runStatements(ctx, [lookupStatement(ctx, scope)]);
        evaluateRecord(firstRow(existing), scope, ctx.clock.now());
        throw new ApiError("IDEMPOTENCY_IN_PROGRESS", { headers: { "Retry-After": "1" } });
      }
      throw error;
    }
    if (scope) scope.stored = true;
    const own = record ? results.slice(1) : results;
    this.#writes.forEach((pending, index) => pending.settle(own[index]));
    if (bound) resolveBindings(this.#bindings, results.at(-1));
  }

  /** @internal Schedules the outbox send and the after-commit work (call only after `commit`). */
  scheduleAfterCommit(): void {
    const messages = this.#messages;
    const work = this.#afterCommit;
    if (messages.length === 0 && work.length === 0) return;
    const after = childContext(this.ctx, "after-commit");
    after.waitUntil(
      (async () => {
        // A timer fires only once the microtasks that finish this request (the rest of the middleware chain,
        // handing the response to the runtime) have run, so the sends and RPCs below start after the answer
        // left instead of delaying it by their set-up work (and, where the hub runs in this isolate, its JS).
        await new Promise((resolve) => setTimeout(resolve, 0));
        if (messages.length > 0) await sendAfterCommit(after, messages);
        for (const item of work) {
          await item(after).catch((error: unknown) => {
            after.log.warn("after-commit work failed", { error });
            reportError(error, { request_id: after.requestId, stage: "after_commit" });
          });
        }
      })(),
    );
  }
}

/**
 * Runs a write (docs/write-protocol.md): `body` contributes reads, decides, and contributes statements,
 * events and messages to the unit; then every event handler contributes too, the response is built from the
 * value (and the handlers' response fields), and ONE batch commits the idempotency record holding that exact
 * response together with the effect. Returns the value the response was built from – the route sends
 * `{ data: value }` with the declared status, byte-identical to what a replay returns.
 *
 * Called while another write of the same request is open (`ctx.unit`), it joins that unit: `body` runs
 * against it and the outer write commits everything at once, under its Idempotency-Key.
 *
 * Failures: a failed guard becomes its domain error (services/guards.ts, one table). A guard that asks for
 * a re-run (the batch lost a race on state the response depends on, e.g. which of ten parallel completions
 * unlocks an achievement) and a serialization failure or deadlock (the whole batch rolled back, so nothing
 * happened) run the write again on fresh reads, at most WRITE_ATTEMPTS times in all.
 */
export async function runWrite<V>(ctx: ServiceContext, spec: WriteSpec<V>, body: (unit: WriteUnit) => Promise<V>): Promise<V> {
  if (ctx.unit) return body(ctx.unit);
  for (let attempt = 1; ; attempt += 1) {
    const unit = new WriteUnit(ctx, spec.operation, spec.userId, spec.subjectId);
    try {
      return await attemptWrite(unit, spec, body);
    } catch (error) {
      const guard = guardFailure(error);
      const again = guard ? guardError(guard).retry : isRetryableWriteConflict(error);
      if (again && attempt < WRITE_ATTEMPTS) {
        await new Promise((resolve) => setTimeout(resolve, Math.random() * BACKOFF_MS * attempt));
        continue;
      }
      throw guard ? (guardError(guard).error ?? new ApiError("SERVICE_UNAVAILABLE", { headers: { "Retry-After": "1" }, cause: guard })) : error;
    }
  }
}

async function attemptWrite<V>(unit: WriteUnit, spec: WriteSpec<V>, body: (unit: WriteUnit) => Promise<V>): Promise<V> {
  const contribute = openHandlers(unit);
  const decided = await body(unit);
  // Reads handlers contributed when the unit opened, for a body that read nothing itself.
  if (unit.hasPendingReads) await unit.load();
  for (const handler of contribute) handler(unit.events);
  const value = spec.finish ? spec.finish(decided, unit.fields) : decided;
  await unit.commit(storedResponse(spec, value));
  unit.scheduleAfterCommit();
  return value;
}

/** The exact bytes the route sends and a replay returns (status, `{data}` envelope, content type). */
export function storedResponse<V>(spec: WriteSpec<V>, value: V): StoredResponse {
  if (spec.response !== undefined) return spec.response(value);
  const status = spec.status ?? 200;
  return status === 204 ? { status, body: "", headers: {} } : jsonResponse(status, { data: value });
}

/** SQL text and parameters of a raw statement (`db.execute`), the identity `supply` matches reads by. */
function statementKey(statement: Statement): string | undefined {
  if (!("getQuery" in statement)) return undefined;
  const getQuery: unknown = statement.getQuery;
  if (typeof getQuery !== "function") return undefined;
  const query: unknown = getQuery.call(statement);
  if (typeof query !== "object" || query === null || !("sql" in query) || !("params" in query)) return undefined;
  return JSON.stringify([query.sql, query.params]);
}

/** Statements in one round trip (one alone needs no batch). */
async function runStatements(ctx: ServiceContext, statements: readonly Statement[]): Promise<unknown[]> {
  const [first, ...rest] = statements;
  if (first === undefined) return [];
  if (rest.length === 0) return [await first];
  return ctx.db.batch([first, ...rest]);
}

function firstRow(result: unknown): IdempotencyRow | undefined {
  if (typeof result !== "object" || result === null || !("rows" in result) || !Array.isArray(result.rows)) return undefined;
  const [row] = result.rows as unknown[];
  return isIdempotencyRow(row) ? row : undefined;
}

function isIdempotencyRow(row: unknown): row is IdempotencyRow {
  return typeof row === "object" && row !== null && "request_hash" in row && "status" in row;
}

