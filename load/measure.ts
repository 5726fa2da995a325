import autocannon from "autocannon";
import { operationName } from "./route-templates.ts";
import type { ScenarioPlan } from "./scenario.ts";
import { percentile } from "./percentile.ts";

/**
 * One autocannon run, with the figures autocannon itself does not give: it reports p97.5 but not p95, and
 * sums non-2xx answers without telling a 429 the scenario provokes from a 500. So every response's status
 * and latency is collected from the instance's `response` events and summarised here.
 */
export interface RunFigures {
  durationSeconds: number;
  connections: number;
  requestsSent: number;
  responses: number;
  /** autocannon's mean of the per-second request counts. */
  requestsPerSecond: number;
  latencyMs: { p50: number; p95: number; p99: number; max: number; mean: number };
  statuses: Record<string, number>;
  /** Connection errors (refused, reset) and request timeouts – no HTTP status at all. */
  socketErrors: number;
  timeouts: number;
  /** Every response's latency, ascending – for pooling segments (`mergeRuns`); not part of any report. */
  samplesMs: Float64Array;
  /** The same figures per operation (`POST /api/v1/tasks/{id}/complete`), keyed by method and route template. */
  operations: Record<string, OperationFigures>;
}

export interface OperationFigures {
  responses: number;
  statuses: Record<string, number>;
  latencyMs: RunFigures["latencyMs"];
  samplesMs: Float64Array;
}

export async function runLoad(options: {
  baseUrl: string;
  plan: ScenarioPlan;
  durationSeconds: number;
  connections: number;
}): Promise<RunFigures> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const perOperation = new Map<string, { statuses: Record<string, number>; latencies: number[] }>();
  const requests = timedPerOperation(options.plan.requests, (operation, status, latencyMs) => {
    let entry = perOperation.get(operation);
    if (entry === undefined) {
      entry = { statuses: {}, latencies: [] };
      perOperation.set(operation, entry);
    }
    entry.latencies.push(latencyMs);
    entry.statuses[status] = (entry.statuses[status] ?? 0) + 1;
  });
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        ...options.plan.options,
        url: options.baseUrl,
        requests,
        duration: options.durationSeconds,
        connections: options.connections,
      },
      (error: unknown, finished: autocannon.Result) => (error ? reject(toError(error)) : resolve(finished)),
    );
    instance.on("response", (_client, statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      statuses[statusCode] = (statuses[statusCode] ?? 0) + 1;
    });
  });

  return {
    durationSeconds: options.durationSeconds,
    connections: options.connections,
    requestsSent: result.requests.sent,
    requestsPerSecond: result.requests.average,
    statuses,
    socketErrors: result.errors - result.timeouts,
    timeouts: result.timeouts,
    ...latencyFigures(Float64Array.from(latencies).sort()),
    operations: Object.fromEntries(
      [...perOperation].map(([operation, entry]) => [operation, { statuses: entry.statuses, ...latencyFigures(Float64Array.from(entry.latencies).sort()) }]),
    ),
  };
}

/**
 * The plan's requests, each also timed by operation: autocannon's `response` event says neither which request
 * it answered nor its path, so every request is wrapped – its `setupRequest` (the last thing before the write;
 * for a connection's first request, before its connect) notes the operation and the time in a WeakMap keyed by
 * the connection's context, its `onResponse` (run as the response completes) reads them back. The scenario's
 * own hooks run unchanged inside.
 */
function timedPerOperation(
  requests: readonly autocannon.Request[],
  record: (operation: string, status: number, latencyMs: number) => void,
): autocannon.Request[] {
  const inFlight = new WeakMap<object, { operation: string; started: number }>();
  return requests.map((request) => {
    const { setupRequest, onResponse } = request;
    if (typeof setupRequest === "string" || typeof onResponse === "string") {
      throw new Error("the bench runs autocannon in-process: setupRequest/onResponse must be functions, not worker file paths");
    }
    return {
      ...request,
      setupRequest: (built: autocannon.Request, context: object) => {
        const next = setupRequest ? setupRequest(built, context) : built;
        inFlight.set(context, { operation: operationName(next.method ?? "GET", next.path ?? "/"), started: performance.now() });
        return next;
      },
      onResponse: (status: number, body: string, context: object, headers: autocannon.Request["headers"]) => {
        const sent = inFlight.get(context);
        if (sent !== undefined) {
          inFlight.delete(context);
          record(sent.operation, status, performance.now() - sent.started);
        }
        onResponse?.(status, body, context, headers);
      },
    };
  });
}

/**
 * Several runs against the same target as one (the segments of an alternating comparison, load/compare.ts):
 * counts add up, percentiles come from the pooled samples, requests/s is the mean of the runs' own figures
 * weighted by their duration.
 */
export function mergeRuns(runs: readonly RunFigures[]): RunFigures {
  const sum = (pick: (run: RunFigures) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const durationSeconds = sum((run) => run.durationSeconds);
  const statuses: Record<string, number> = {};
  for (const run of runs) {
    for (const [status, count] of Object.entries(run.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  }
  const operations: Record<string, OperationFigures> = {};
  for (const name of new Set(runs.flatMap((run) => Object.keys(run.operations)))) {
    const parts = runs.flatMap((run) => run.operations[name] ?? []);
    const byStatus: Record<string, number> = {};
    for (const part of parts) {
      for (const [status, count] of Object.entries(part.statuses)) byStatus[status] = (byStatus[status] ?? 0) + count;
    }
    operations[name] = { statuses: byStatus, ...latencyFigures(pool(parts.map((part) => part.samplesMs))) };
  }
  return {
    durationSeconds,
    connections: runs[0]?.connections ?? 0,
    requestsSent: sum((run) => run.requestsSent),
    requestsPerSecond: durationSeconds ? sum((run) => run.requestsPerSecond * run.durationSeconds) / durationSeconds : 0,
    statuses,
    socketErrors: sum((run) => run.socketErrors),
    timeouts: sum((run) => run.timeouts),
    ...latencyFigures(pool(runs.map((run) => run.samplesMs))),
    operations,
  };
}

/** Several ascending sample arrays as one ascending array. */
function pool(samples: readonly Float64Array[]): Float64Array {
  const pooled = new Float64Array(samples.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of samples) {
    pooled.set(part, offset);
    offset += part.length;
  }
  return pooled.sort();
}

function latencyFigures(sorted: Float64Array): Pick<RunFigures, "responses" | "latencyMs" | "samplesMs"> {
  const total = sorted.reduce((sum, value) => sum + value, 0);
  return {
    responses: sorted.length,
    latencyMs: {
      p50: rank(sorted, 50),
      p95: rank(sorted, 95),
      p99: rank(sorted, 99),
      max: sorted.at(-1) ?? 0,
      mean: sorted.length ? total / sorted.length : 0,
    },
    samplesMs: sorted,
  };
}

/** A run without responses reports 0, not NaN, in its summary. */
function rank(sorted: ArrayLike<number>, p: number): number {
  return sorted.length === 0 ? 0 : percentile(sorted, p);
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
