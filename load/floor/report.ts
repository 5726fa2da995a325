import { percentile } from "../measure.ts";
import type { Operation } from "./operations.ts";

/**
 * The figures of a `floor` run (load/scenarios/floor.ts) and their table. Percentiles are nearest-rank over
 * the timed samples (load/measure.ts); round trips are the endpoint's counts per request id.
 */
export const TARGET_RATIO = 1.15;
/** Round-trip budget per request (ARCHITECTURE "Database access over HTTP"). */
export const ROUND_TRIP_BUDGET = { read: 1, write: 2 } as const;

export interface Sample {
  requestId: string;
  warmup: boolean;
  status: number;
  ms: number;
  /** Round trips under the request's own id: the ones the response waited for. */
  roundTrips: number;
  /** Round trips under `<id>:after-commit` (waitUntil work after the response). */
  afterResponse: number;
}

export interface OperationFigures {
  operation: string;
  kind: Operation["kind"];
  /** Over the timed samples; the floor uses the median. */
  roundTrips: { min: number; median: number; max: number };
  afterResponseRoundTrips: number;
  p50: number;
  p95: number;
  /** round trips × RTT; null for no round trip. */
  floorMs: number | null;
  /** (p50 − platform p50) ÷ floor. */
  ratio: number | null;
  targetMet: boolean | null;
  /** Non-2xx statuses among all samples, warm-up included. */
  failures: Record<string, number>;
}

export interface FloorFigures {
  rttMs: number;
  samples: number;
  warmupSamples: number;
  /** TCP connections the client opened for the whole run (1 = everything went over one connection). */
  connectionsOpened: number;
  platform: { p50: number; p95: number; firstBlockP50: number; lastBlockP50: number; roundTrips: number };
  operations: OperationFigures[];
  target: number;
  targetsMet: number;
  clean: boolean;
  problems: string[];
}

export function summariseFloor(input: {
  rttMs: number;
  samples: number;
  warmupSamples: number;
  connectionsOpened: number;
  platform: { first: readonly Sample[]; last: readonly Sample[] };
  operations: readonly { operation: Operation; samples: readonly Sample[] }[];
}): FloorFigures {
  const problems: string[] = [];
  const platformSamples = [...input.platform.first, ...input.platform.last];
  const platformMs = timed(platformSamples, (sample) => sample.ms);
  const platformP50 = percentile(platformMs, 0.5);
  const operations = input.operations.map(({ operation, samples }) => {
    const roundTrips = timed(samples, (sample) => sample.roundTrips);
    const median = percentile(roundTrips, 0.5);
    const floorMs = median > 0 ? median * input.rttMs : null;
    const ms = timed(samples, (sample) => sample.ms);
    const p50 = percentile(ms, 0.5);
    const ratio = floorMs === null ? null : (p50 - platformP50) / floorMs;
    const figures: OperationFigures = {
      operation: operation.name,
      kind: operation.kind,
      roundTrips: { min: roundTrips[0] ?? 0, median, max: roundTrips.at(-1) ?? 0 },
      afterResponseRoundTrips: percentile(timed(samples, (sample) => sample.afterResponse), 0.5),
      p50,
      p95: percentile(ms, 0.95),
      floorMs,
      ratio,
      targetMet: ratio === null ? null : ratio <= TARGET_RATIO,
      failures: failures(samples),
    };
    if (Object.keys(figures.failures).length > 0) problems.push(`${operation.name}: non-2xx ${JSON.stringify(figures.failures)}`);
    if (figures.roundTrips.max > ROUND_TRIP_BUDGET[operation.kind]) {
      problems.push(`${operation.name}: ${figures.roundTrips.max} round trips, over the ${operation.kind} budget of ${ROUND_TRIP_BUDGET[operation.kind]}`);
    }
    return figures;
  });
  const platformFailures = failures(platformSamples);
  if (Object.keys(platformFailures).length > 0) problems.push(`platform: non-2xx ${JSON.stringify(platformFailures)}`);
  return {
    rttMs: input.rttMs,
    samples: input.samples,
    warmupSamples: input.warmupSamples,
    connectionsOpened: input.connectionsOpened,
    platform: {
      p50: platformP50,
      p95: percentile(platformMs, 0.95),
      firstBlockP50: percentile(timed(input.platform.first, (sample) => sample.ms), 0.5),
      lastBlockP50: percentile(timed(input.platform.last, (sample) => sample.ms), 0.5),
      roundTrips: percentile(timed(platformSamples, (sample) => sample.roundTrips), 0.5),
    },
    operations,
    target: TARGET_RATIO,
    targetsMet: operations.filter((row) => row.targetMet === true).length,
    clean: problems.length === 0,
    problems,
  };
}

export function renderFloor(figures: FloorFigures): string {
  const ms = (value: number) => value.toFixed(1);
  const trips = ({ min, max }: OperationFigures["roundTrips"]) => (min === max ? String(max) : `${min}–${max}`);
  const { platform } = figures;
  const lines = [
    `floor: RTT ${figures.rttMs} ms added to every /sql round trip; ${figures.samples} timed samples per operation after ${figures.warmupSamples} warm-up; one connection, sequential (connections opened: ${figures.connectionsOpened})`,
    `platform = p50 of GET /health/live (no database, no auth): ${ms(platform.p50)} ms (p95 ${ms(platform.p95)}; first block ${ms(platform.firstBlockP50)}, last block ${ms(platform.lastBlockP50)}; round trips ${platform.roundTrips})`,
    "",
    `| operation | round trips | p50 ms | p95 ms | floor ms | (p50 − platform) ÷ floor | target ≤ ${figures.target} | after response |`,
    "|---|---|---|---|---|---|---|---|",
    ...figures.operations.map((row) =>
      [
        "",
        row.operation,
        trips(row.roundTrips),
        ms(row.p50),
        ms(row.p95),
        row.floorMs === null ? "–" : String(row.floorMs),
        row.ratio === null ? "–" : `${row.ratio.toFixed(2)}×`,
        row.targetMet === null ? "–" : row.targetMet ? "met" : "not met",
        String(row.afterResponseRoundTrips),
        "",
      ].join(" | ").trim(),
    ),
    "",
    `target met: ${figures.targetsMet} of ${figures.operations.filter((row) => row.ratio !== null).length} operations`,
    figures.clean ? "clean: every answer 2xx, every read ≤ 1 and every write ≤ 2 round trips" : `NOT clean:\n  ${figures.problems.join("\n  ")}`,
  ];
  return lines.join("\n");
}

/** The timed samples' values, ascending. */
function timed(samples: readonly Sample[], pick: (sample: Sample) => number): number[] {
  return samples
    .filter((sample) => !sample.warmup)
    .map(pick)
    .sort((a, b) => a - b);
}

function failures(samples: readonly Sample[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.status < 200 || sample.status > 299) counts[sample.status] = (counts[sample.status] ?? 0) + 1;
  }
  return counts;
}
