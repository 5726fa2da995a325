import { cpus } from "node:os";
import type { RunFigures } from "./measure.ts";
import type { RunCheck, Scenario } from "./scenario.ts";

/** The machine-readable result of one bench run (`--json`), and its human rendering. */
export interface BenchSummary {
  scenario: string;
  description: string;
  machine: { cpus: number; cpuModel: string; node: string };
  durationSeconds: number;
  connections: number;
  warmupSeconds: number;
  requestsPerSecond: number;
  requestsSent: number;
  responses: number;
  latencyMs: RunFigures["latencyMs"];
  /** Non-2xx answers, split by the scenario's `expectedStatuses`. */
  errors: {
    expected: { total: number; byStatus: Record<string, number> };
    unexpected: { total: number; byStatus: Record<string, number> };
    socketErrors: number;
    timeouts: number;
  };
  /** Local Neon endpoint `/sql` requests during the measured run ÷ requests sent. */
  dbRoundTripsPerRequest: number;
  /** Per operation (method + route template), busiest first: responses, statuses, latency. */
  operations: { operation: string; responses: number; statuses: Record<string, number>; latencyMs: RunFigures["latencyMs"] }[];
  /** The scenario's own checks of the run (`plan.check`). */
  checks: RunCheck[];
  /** True when nothing unexpected happened (no unexpected status, socket error or timeout) and every check passed. */
  clean: boolean;
}

export function summarise(options: {
  scenario: Scenario;
  figures: RunFigures;
  warmupSeconds: number;
  roundTrips: number;
  checks?: RunCheck[];
}): BenchSummary {
  const { scenario, figures } = options;
  const expectedSet = new Set(scenario.expectedStatuses ?? []);
  const expected: Record<string, number> = {};
  const unexpected: Record<string, number> = {};
  for (const [status, count] of Object.entries(figures.statuses)) {
    const code = Number(status);
    if (code >= 200 && code < 300) continue;
    (expectedSet.has(code) ? expected : unexpected)[status] = count;
  }
  const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, count) => sum + count, 0);
  const errors = {
    expected: { total: total(expected), byStatus: expected },
    unexpected: { total: total(unexpected), byStatus: unexpected },
    socketErrors: figures.socketErrors,
    timeouts: figures.timeouts,
  };
  const processor = cpus();
  const checks = options.checks ?? [];
  return {
    scenario: scenario.name,
    description: scenario.description,
    machine: { cpus: processor.length, cpuModel: processor[0]?.model.trim() ?? "unknown", node: process.version },
    durationSeconds: figures.durationSeconds,
    connections: figures.connections,
    warmupSeconds: options.warmupSeconds,
    requestsPerSecond: round(figures.requestsPerSecond, 1),
    requestsSent: figures.requestsSent,
    responses: figures.responses,
    latencyMs: roundLatency(figures.latencyMs),
    errors,
    dbRoundTripsPerRequest: figures.requestsSent ? round(options.roundTrips / figures.requestsSent, 2) : 0,
    operations: Object.entries(figures.operations)
      .map(([operation, entry]) => ({ operation, responses: entry.responses, statuses: entry.statuses, latencyMs: roundLatency(entry.latencyMs) }))
      .sort((a, b) => b.responses - a.responses || a.operation.localeCompare(b.operation)),
    checks,
    clean: errors.unexpected.total === 0 && errors.socketErrors === 0 && errors.timeouts === 0 && checks.every((check) => check.ok),
  };
}

function roundLatency(latency: RunFigures["latencyMs"]): RunFigures["latencyMs"] {
  return { p50: round(latency.p50, 1), p95: round(latency.p95, 1), p99: round(latency.p99, 1), max: round(latency.max, 1), mean: round(latency.mean, 1) };
}

export function renderSummary(summary: BenchSummary): string {
  const { latencyMs: latency, errors } = summary;
  const byStatus = (counts: Record<string, number>) =>
    Object.entries(counts).map(([status, count]) => `${status}×${count}`).join(", ");
  const errorParts = [
    `unexpected ${errors.unexpected.total}${errors.unexpected.total ? ` (${byStatus(errors.unexpected.byStatus)})` : ""}`,
    `expected ${errors.expected.total}${errors.expected.total ? ` (${byStatus(errors.expected.byStatus)})` : ""}`,
    `socket ${errors.socketErrors}`,
    `timeouts ${errors.timeouts}`,
  ];
  return [
    `${summary.scenario}: ${summary.description}`,
    `  ${summary.durationSeconds} s × ${summary.connections} connections after ${summary.warmupSeconds} s warm-up` +
      ` · ${summary.machine.cpus} cores, ${summary.machine.cpuModel}`,
    `  requests/s      ${summary.requestsPerSecond} (${summary.responses} responses, ${summary.requestsSent} sent)`,
    `  latency ms      p50 ${latency.p50}  p95 ${latency.p95}  p99 ${latency.p99}  (mean ${latency.mean}, max ${latency.max})`,
    `  errors          ${errorParts.join(" · ")}`,
    `  db round trips  ${summary.dbRoundTripsPerRequest} per request`,
    ...(summary.operations.length > 1 ? ["", ...operationTable(summary)] : []),
    ...summary.checks.flatMap((check) => ["", `  check: ${check.name} – ${check.ok ? "ok" : "FAILED"}`, ...check.lines.map((line) => `    ${line}`)]),
  ].join("\n");
}

/** One Markdown row per operation (non-2xx statuses named), so a run's table can go into load/README.md as is. */
function operationTable(summary: BenchSummary): string[] {
  const other = (statuses: Record<string, number>) =>
    Object.entries(statuses)
      .filter(([status]) => !status.startsWith("2"))
      .map(([status, count]) => `${status}×${count}`)
      .join(", ") || "–";
  return [
    "| operation | responses | p50 ms | p95 ms | p99 ms | max ms | non-2xx |",
    "|---|---|---|---|---|---|---|",
    ...summary.operations.map(
      (row) => `| ${row.operation} | ${row.responses} | ${row.latencyMs.p50} | ${row.latencyMs.p95} | ${row.latencyMs.p99} | ${row.latencyMs.max} | ${other(row.statuses)} |`,
    ),
  ];
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
