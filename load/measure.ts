import autocannon from "autocannon";
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
}

export async function runLoad(options: {
  baseUrl: string;
  plan: ScenarioPlan;
  durationSeconds: number;
  connections: number;
}): Promise<RunFigures> {
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        ...options.plan.options,
        url: options.baseUrl,
        requests: options.plan.requests,
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
  };
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
  const pooled = new Float64Array(sum((run) => run.samplesMs.length));
  let offset = 0;
  for (const run of runs) {
    pooled.set(run.samplesMs, offset);
    offset += run.samplesMs.length;
  }
  return {
    durationSeconds,
    connections: runs[0]?.connections ?? 0,
    requestsSent: sum((run) => run.requestsSent),
    requestsPerSecond: durationSeconds ? sum((run) => run.requestsPerSecond * run.durationSeconds) / durationSeconds : 0,
    statuses,
    socketErrors: sum((run) => run.socketErrors),
    timeouts: sum((run) => run.timeouts),
    ...latencyFigures(pooled.sort()),
  };
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
