import { percentile } from "../percentile.ts";
import { isOurs, type Attribution } from "./attribution.ts";
import type { Component } from "./process-cpu.ts";

/**
 * The figures of a `profile` run (load/scenarios/profile.ts) and their tables. Per-request figures are means
 * over the operation's N requests (means add up; medians do not), wall percentiles nearest-rank.
 */
export interface Timed {
  requestId: string;
  status: number;
  ms: number;
}

export interface EndpointTiming {
  roundTrips: number;
  endpointMs: number;
  postgresMs: number;
}

export interface OperationFigures {
  operation: string;
  requests: number;
  /** Non-2xx statuses over both passes and the warm-up. */
  failures: Record<string, number>;
  roundTripsPerRequest: number;
  /** Pass 1, no profiler. */
  wall: { meanMs: number; p50Ms: number; p95Ms: number };
  /** Pass 2, a DevTools session attached. */
  attachedWallMeanMs: number;
  /** Pass 3, with the profiler sampling. */
  profiledWallMeanMs: number;
  /** Mean of the Worker's own request log `duration_ms` (pass 2); null when no line arrived. */
  workerLoggedMs: number | null;
  endpointMs: number;
  postgresMs: number;
  /** Pass 1: CPU ms per request of each process of the stack (/proc). */
  processCpuMs: Partial<Record<Component, number>>;
  /** Pass 3: sampled non-idle Worker isolate time per request. */
  workerCpuMs: number;
  samples: number;
  medianSampleIntervalMicros: number;
  /** wall mean − Worker CPU − endpoint time. */
  restMs: number;
  categories: { name: string; ms: number }[];
  topFunctions: { name: string; ms: number }[];
  topFiles: { name: string; ms: number }[];
  /** Our files by self time, the built-ins they call included. */
  topOwnFiles: { name: string; ms: number }[];
  /** Inclusive ms per request of durable-objects/ files (UserGuard), 0 when none was sampled. */
  durableObjectMs: number;
  profilePath: string;
}

const TOP = 15;

export function summariseOperation(input: {
  operation: string;
  timed: Timed[];
  attached: Timed[];
  profiled: Timed[];
  failures: Record<string, number>;
  endpoint: EndpointTiming[];
  loggedMs: number[];
  processCpuMicros: Map<Component, number>;
  attribution: Attribution;
  profilePath: string;
}): OperationFigures {
  const n = input.timed.length;
  const perRequest = (micros: number) => micros / 1000 / input.profiled.length;
  const sorted = input.timed.map((sample) => sample.ms).sort((a, b) => a - b);
  const mean = (values: readonly number[]) => (values.length === 0 ? Number.NaN : values.reduce((sum, value) => sum + value, 0) / values.length);
  const top = (map: Map<string, number>, count = TOP) =>
    [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, micros]) => ({ name, ms: perRequest(micros) }));
  const wallMean = mean(sorted);
  const workerCpuMs = perRequest(input.attribution.activeMicros);
  const endpointMs = mean(input.endpoint.map((timing) => timing.endpointMs));
  const durableObjectMicros = [...input.attribution.inclusiveByFile]
    .filter(([file]) => file.startsWith("durable-objects/"))
    .reduce((max, [, micros]) => Math.max(max, micros), 0);
  return {
    operation: input.operation,
    requests: n,
    failures: input.failures,
    roundTripsPerRequest: mean(input.endpoint.map((timing) => timing.roundTrips)),
    wall: { meanMs: wallMean, p50Ms: percentile(sorted, 50), p95Ms: percentile(sorted, 95) },
    attachedWallMeanMs: mean(input.attached.map((sample) => sample.ms)),
    profiledWallMeanMs: mean(input.profiled.map((sample) => sample.ms)),
    workerLoggedMs: input.loggedMs.length === 0 ? null : mean(input.loggedMs),
    endpointMs,
    postgresMs: mean(input.endpoint.map((timing) => timing.postgresMs)),
    processCpuMs: Object.fromEntries([...input.processCpuMicros].map(([component, micros]) => [component, micros / 1000 / n])),
    workerCpuMs,
    samples: input.attribution.samples,
    medianSampleIntervalMicros: input.attribution.medianDeltaMicros,
    restMs: wallMean - workerCpuMs - endpointMs,
    categories: top(input.attribution.selfByCategory, 50),
    topFunctions: top(input.attribution.selfByFunction),
    topFiles: top(input.attribution.inclusiveByFile),
    topOwnFiles: top(new Map([...input.attribution.selfByModule].filter(([module]) => isOurs(module)))),
    durableObjectMs: perRequest(durableObjectMicros),
    profilePath: input.profilePath,
  };
}

const ms = (value: number | null) => (value === null || Number.isNaN(value) ? "–" : value.toFixed(2));

export function renderProfile(figures: { requests: number; intervalMicros: number; operations: OperationFigures[] }): string {
  const components: Component[] = ["workerd (Worker)", "workerd (wrangler proxy)", "wrangler (Node)", "PostgreSQL", "bench process (client + Neon endpoint)"];
  const lines = [
    `profile: ${figures.requests} sequential requests per operation and pass, one connection, sampling every ${figures.intervalMicros} µs`,
    "ms per request (means); wall = pass 1 (nothing attached); Worker-logged = the request log's duration_ms (pass 2);",
    "Worker CPU = sampled isolate time (pass 3); endpoint = inside the local Neon endpoint (pass 1)",
    "",
    "| operation | round trips | wall mean / p50 / p95 | wall: session attached · profiling | Worker-logged duration | Worker CPU (sampled) | endpoint (of it PostgreSQL) | rest = wall − CPU − endpoint |",
    "|---|---|---|---|---|---|---|---|",
    ...figures.operations.map(
      (op) =>
        `| ${op.operation} | ${op.roundTripsPerRequest.toFixed(2)} | ${ms(op.wall.meanMs)} / ${ms(op.wall.p50Ms)} / ${ms(op.wall.p95Ms)} | ${ms(op.attachedWallMeanMs)} · ${ms(op.profiledWallMeanMs)} | ${ms(op.workerLoggedMs)} | ${ms(op.workerCpuMs)} | ${ms(op.endpointMs)} (${ms(op.postgresMs)}) | ${ms(op.restMs)} |`,
    ),
    "",
    "process CPU per request (pass 1, /proc user+system, 10 ms ticks):",
    "",
    `| operation | ${components.join(" | ")} |`,
    `|---|${components.map(() => "---").join("|")}|`,
    ...figures.operations.map((op) => `| ${op.operation} | ${components.map((component) => ms(op.processCpuMs[component] ?? 0)).join(" | ")} |`),
  ];
  for (const op of figures.operations) {
    lines.push(
      "",
      `## ${op.operation}: Worker CPU ${ms(op.workerCpuMs)} ms/request (${op.samples} samples, median interval ${op.medianSampleIntervalMicros} µs; UserGuard code ${ms(op.durableObjectMs)} ms)`,
      `profile: ${op.profilePath}`,
      "self time by category (ms/request): " + op.categories.map((category) => `${category.name} ${ms(category.ms)}`).join(", "),
      "",
      "top functions by self time (ms/request):",
      ...op.topFunctions.map((entry) => `  ${ms(entry.ms).padStart(6)}  ${entry.name}`),
      "our files by self time, built-ins they call included (ms/request):",
      ...op.topOwnFiles.map((entry) => `  ${ms(entry.ms).padStart(6)}  ${entry.name}`),
      "our files by inclusive time (ms/request; a middleware includes everything after its next()):",
      ...op.topFiles.map((entry) => `  ${ms(entry.ms).padStart(6)}  ${entry.name}`),
    );
    const failures = Object.entries(op.failures);
    if (failures.length > 0) lines.push(`non-2xx: ${failures.map(([status, count]) => `${status} × ${count}`).join(", ")}`);
  }
  return lines.join("\n");
}
