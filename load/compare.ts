import { mergeRuns, runLoad, type RunFigures } from "./measure.ts";
import { renderSummary, summarise, type BenchSummary } from "./report.ts";
import type { Scenario, ScenarioPlan } from "./scenario.ts";
import { totalRoundTrips } from "./stack.ts";

/**
 * A scenario with a `baseline` (e.g. `guarded`: the Worker with and without its edge guards) measured as a
 * comparison. On a small shared machine the throughput drifts by tens of percent within a minute (other
 * jobs, CPU steal), so measuring one side and then the other would compare two moments, not two Workers.
 * Instead the measured time is cut into short segments run in alternation, in the order A B · B A · A B …
 * (so neither side always goes first after the other's leftovers), and each pair's ratio is taken between
 * neighbours in time. The median of the pairs' ratios is the headline figure; the pooled ratio (all of one
 * side's responses against all of the other's) is printed next to it.
 */
export interface Ratios {
  /** All as measured ÷ baseline: > 1 means the measured Worker is slower (latency) or faster (requests/s). */
  p50: number;
  p95: number;
  requestsPerSecond: number;
}

/** One segment pair: both sides' own figures and their ratios. */
export interface PairFigures {
  /** Which side ran first in this pair. */
  first: "measured" | "baseline";
  measured: SegmentFigures;
  baseline: SegmentFigures;
  /** Null when a side got no response at all in its segment (a stall of the machine): nothing to compare. */
  ratios: Ratios | null;
}

export interface SegmentFigures {
  responses: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
}

export interface Comparison {
  /** The baseline's label and entry script (Scenario.baseline). */
  label: string;
  script: string;
  segmentSeconds: number;
  baseline: BenchSummary;
  /** One entry per segment pair, in the order they ran. */
  pairs: PairFigures[];
  median: Ratios;
  pooled: Ratios;
}

/** The bench summary of the measured side, `clean` only when both sides were, with the comparison. */
export type ComparedSummary = BenchSummary & { comparison: Comparison };

interface Side {
  baseUrl: string;
  runs: RunFigures[];
  roundTrips: number;
}

/**
 * 5 pairs (fewer for runs under 10 s), segments of duration ÷ 5 whole seconds (autocannon stops on a
 * whole-second tick): short enough that both sides of a pair see the same machine, long enough that the
 * requests cut off at a segment's end (≈ connections) stay a small share and that one ~2 s stall of a
 * loaded machine does not empty a segment. The median of 5 ratios ignores up to 2 disturbed pairs.
 */
export function segmentPlan(durationSeconds: number): { pairs: number; segmentSeconds: number } {
  const pairs = Math.min(5, Math.max(1, Math.floor(durationSeconds / 2)));
  return { pairs, segmentSeconds: Math.max(1, Math.floor(durationSeconds / pairs)) };
}

export async function runComparison(options: {
  scenario: Scenario & { baseline: NonNullable<Scenario["baseline"]> };
  plan: ScenarioPlan;
  baseUrl: string;
  baselineUrl: string;
  neonOrigin: string;
  durationSeconds: number;
  connections: number;
  warmupSeconds: number;
  settle: () => Promise<void>;
  log: (line: string) => void;
}): Promise<ComparedSummary> {
  const { scenario, plan, connections, log } = options;
  const measured: Side = { baseUrl: options.baseUrl, runs: [], roundTrips: 0 };
  const baseline: Side = { baseUrl: options.baselineUrl, runs: [], roundTrips: 0 };

  if (options.warmupSeconds > 0) {
    log(`warming up ${options.warmupSeconds} s per Worker…`);
    for (const side of [measured, baseline]) {
      await runLoad({ baseUrl: side.baseUrl, plan, durationSeconds: options.warmupSeconds, connections });
    }
    await options.settle();
  }

  const { pairs, segmentSeconds } = segmentPlan(options.durationSeconds);
  log(
    `running ${scenario.name} against ${scenario.baseline.label}: ${pairs} × 2 segments of ${segmentSeconds} s ` +
      `× ${connections} connections, alternating…`,
  );
  for (let pair = 0; pair < pairs; pair++) {
    for (const side of pair % 2 === 0 ? [measured, baseline] : [baseline, measured]) {
      // The segments run one after the other against one Neon endpoint, so its counter splits cleanly.
      const before = await totalRoundTrips(options.neonOrigin);
      side.runs.push(await runLoad({ baseUrl: side.baseUrl, plan, durationSeconds: segmentSeconds, connections }));
      await options.settle();
      side.roundTrips += (await totalRoundTrips(options.neonOrigin)) - before;
    }
  }

  const summary = (side: Side, labelled: Scenario) =>
    summarise({ scenario: labelled, figures: mergeRuns(side.runs), warmupSeconds: options.warmupSeconds, roundTrips: side.roundTrips });
  const measuredSummary = summary(measured, scenario);
  const baselineSummary = summary(baseline, { ...scenario, description: `baseline: ${scenario.baseline.label}` });
  const pairFigures = measured.runs.map((run, index): PairFigures => {
    const other = baseline.runs[index] ?? run;
    const comparable = run.responses > 0 && other.responses > 0;
    return {
      first: index % 2 === 0 ? "measured" : "baseline",
      measured: segment(run),
      baseline: segment(other),
      ratios: comparable ? ratios(run, other) : null,
    };
  });
  const pairRatios = pairFigures.flatMap((pair) => (pair.ratios ? [pair.ratios] : []));
  return {
    ...measuredSummary,
    clean: measuredSummary.clean && baselineSummary.clean,
    comparison: {
      label: scenario.baseline.label,
      script: scenario.baseline.script,
      segmentSeconds,
      baseline: baselineSummary,
      pairs: pairFigures,
      median: {
        p50: median(pairRatios.map((r) => r.p50)),
        p95: median(pairRatios.map((r) => r.p95)),
        requestsPerSecond: median(pairRatios.map((r) => r.requestsPerSecond)),
      },
      pooled: ratios(mergeRuns(measured.runs), mergeRuns(baseline.runs)),
    },
  };
}

function segment(run: RunFigures): SegmentFigures {
  const { responses, requestsPerSecond, latencyMs } = run;
  const tenth = (value: number) => Math.round(value * 10) / 10;
  return { responses, requestsPerSecond: tenth(requestsPerSecond), p50: tenth(latencyMs.p50), p95: tenth(latencyMs.p95) };
}

function ratios(measured: RunFigures, baseline: RunFigures): Ratios {
  const ratio = (a: number, b: number) => (b > 0 ? round(a / b) : 0);
  return {
    p50: ratio(measured.latencyMs.p50, baseline.latencyMs.p50),
    p95: ratio(measured.latencyMs.p95, baseline.latencyMs.p95),
    requestsPerSecond: ratio(measured.requestsPerSecond, baseline.requestsPerSecond),
  };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return 0;
  return round(sorted.length % 2 ? (sorted[middle] ?? 0) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2);
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

export function renderComparison(summary: ComparedSummary): string {
  const { comparison } = summary;
  const row = (name: string, r: Ratios, detail = "") =>
    `  ${name.padEnd(15)} p50 ${r.p50.toFixed(2)}×  p95 ${r.p95.toFixed(2)}×  requests/s ${r.requestsPerSecond.toFixed(2)}×${detail}`;
  const side = (s: SegmentFigures) => `${s.requestsPerSecond.toFixed(1)}/s p50 ${s.p50.toFixed(0)} p95 ${s.p95.toFixed(0)}`;
  return [
    renderSummary(summary),
    "",
    renderSummary(comparison.baseline),
    "",
    `${summary.scenario} ÷ ${comparison.label} (${comparison.pairs.length} pairs of ${comparison.segmentSeconds} s segments, alternating)`,
    ...comparison.pairs.map((pair, index) => {
      const detail = `(${pair.first} first; ${side(pair.measured)} vs ${side(pair.baseline)})`;
      return pair.ratios ? row(`pair ${index + 1}`, pair.ratios, `   ${detail}`) : `  pair ${index + 1}          no ratio: a side got no response ${detail}`;
    }),
    row("median of pairs", comparison.median),
    row("pooled", comparison.pooled),
  ].join("\n");
}
