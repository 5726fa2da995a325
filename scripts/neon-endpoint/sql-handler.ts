/**
 * `POST /sql`: count the round trip, apply injected faults, run the statement(s) on Postgres and answer
 * in Neon's format.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { DatabaseError } from "pg";
import { defaultFaultMessage, type Fault, type FaultRegistry } from "./faults.ts";
import { headerValue, readJsonBody, sendJson, sendText } from "./http-io.ts";
import { BatchRollbackFailed, runBatch, runSingle, type PoolRegistry } from "./postgres.ts";
import { BadRequest, parseSqlRequest, toWireError, toWireResult, type SqlRequest } from "./protocol.ts";
import { preciseNow, type RoundTripCounter } from "./round-trips.ts";

export interface SqlHandlerState {
  pools: PoolRegistry;
  faults: FaultRegistry;
  roundTrips: RoundTripCounter;
  log?: (line: string) => void;
}

export async function handleSql(req: IncomingMessage, res: ServerResponse, state: SqlHandlerState): Promise<void> {
  const arrivedAt = preciseNow();
  const requestId = headerValue(req, "X-Request-ID");
  // Counted on arrival, before anything can fail: a refused or malformed request still cost a round trip.
  state.roundTrips.record(requestId);
  try {
    await handleCounted(req, res, state, requestId, arrivedAt);
  } finally {
    state.roundTrips.settled();
  }
}

async function handleCounted(
  req: IncomingMessage,
  res: ServerResponse,
  state: SqlHandlerState,
  requestId: string | undefined,
  arrivedAt: number,
): Promise<void> {
  let request: SqlRequest;
  try {
    request = parseSqlRequest(req.headers, await readJsonBody(req));
  } catch (error) {
    if (!(error instanceof BadRequest)) throw error;
    sendJson(res, 400, { message: error.message });
    state.log?.(`${requestId ?? "-"} 400 bad request: ${error.message}`);
    return;
  }

  const timing = { postgresMs: 0 };
  const status = await answer(request, requestId, res, state, timing);
  const answeredAt = preciseNow();
  state.roundTrips.addSpan(requestId, { arrivedAt, answeredAt, postgresMs: timing.postgresMs });
  state.log?.(`${requestId ?? "-"} ${status} ${Math.round(answeredAt - arrivedAt)}ms ${describe(request)}`);
}

/**
 * Runs the request (unless a fault says otherwise), writes the response and returns its status; the time spent
 * in PostgreSQL (pool checkout, statements, results) goes into `timing.postgresMs`.
 */
async function answer(
  request: SqlRequest,
  requestId: string | undefined,
  res: ServerResponse,
  state: SqlHandlerState,
  timing: { postgresMs: number },
): Promise<number> {
  const plan = state.faults.take({ requestId, sqlTexts: request.statements.map((s) => s.query) });
  if (plan.delayMs > 0) await delayPrecisely(plan.delayMs);
  if (plan.outcome !== undefined && plan.outcome.mode !== "after_commit") {
    return answerWithFault(plan.outcome, res);
  }

  let body: unknown;
  const queried = performance.now();
  try {
    const pool = state.pools.get(request.connectionString);
    body = request.isBatch
      ? {
          results: (await runBatch(pool, request.statements, request.arrayMode, request.transaction)).map((result) =>
            toWireResult(result, request.arrayMode),
          ),
        }
      : toWireResult(await runSingle(pool, firstStatement(request), request.arrayMode), request.arrayMode);
  } catch (error) {
    timing.postgresMs = performance.now() - queried;
    return answerWithError(error, res, state);
  }
  timing.postgresMs = performance.now() - queried;

  if (plan.outcome?.mode === "after_commit") {
    // The write is committed but the caller only learns that something went wrong, as when a Worker
    // dies between commit and response; idempotency keys and the outbox must cope with exactly this.
    sendText(res, 500, `injected fault ${plan.outcome.id}: committed, but the response was lost`);
    return 500;
  }
  sendJson(res, 200, body);
  return 200;
}

/** Below this much left, a delay is waited out turn by turn instead of on a timer. */
const TIMER_SLACK_MS = 2;

/**
 * Waits `ms` to within a few hundredths of a millisecond. A Node timer fires up to a millisecond late (~0.3 ms
 * p50 on the 2-vCPU machine this was measured on), and the floor bench would count that lateness as the
 * endpoint's own time; so the timer is set for all but the last 2 ms, which pass in event-loop turns
 * (setImmediate: other requests and I/O go on in between).
 */
async function delayPrecisely(ms: number): Promise<void> {
  const deadline = performance.now() + ms;
  if (ms > TIMER_SLACK_MS) await sleep(ms - TIMER_SLACK_MS);
  while (performance.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
}

function firstStatement(request: SqlRequest): SqlRequest["statements"][number] {
  const statement = request.statements[0];
  // parseSqlRequest builds exactly one statement for a non-batch body.
  if (statement === undefined) throw new Error("single query request without a statement");
  return statement;
}

function answerWithFault(fault: Fault, res: ServerResponse): number {
  if (fault.mode === "refuse") {
    // Like a database that is down: no Postgres-shaped error, the driver reports "Server error (HTTP status 503)".
    sendText(res, 503, fault.message ?? `injected fault ${fault.id}: connection refused, database unavailable`);
    return 503;
  }
  const code = fault.code ?? "57P01";
  sendJson(res, 400, { message: fault.message ?? defaultFaultMessage(code), code, severity: "ERROR" });
  return 400;
}

function answerWithError(error: unknown, res: ServerResponse, state: SqlHandlerState): number {
  const cause = error instanceof BatchRollbackFailed ? error.original : error;
  if (error instanceof BatchRollbackFailed) {
    state.log?.(`batch ROLLBACK failed, connection discarded: ${String(error.rollbackError)}`);
  }
  if (cause instanceof DatabaseError) {
    sendJson(res, 400, toWireError(cause.message, cause));
    return 400;
  }
  // No Postgres error means we never got a usable connection (refused, timed out, dropped): the same
  // answer a real outage gives, a non-400 status with a text body.
  const message = cause instanceof Error ? cause.message : String(cause);
  sendText(res, 503, `could not reach the database: ${message}`);
  return 503;
}

function describe(request: SqlRequest): string {
  const first = request.statements[0]?.query.replace(/\s+/g, " ").trim() ?? "";
  const text = first.length > 100 ? `${first.slice(0, 100)}…` : first;
  return request.isBatch ? `batch of ${request.statements.length}: ${text}` : text;
}
