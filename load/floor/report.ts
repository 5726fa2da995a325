import { percentile } from "../percentile.ts";
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
  /** p50 of the platform samples taken next to this operation's (the global one is the baseline). */
  platformP50: number;
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
  /** The baseline over every timed platform sample, and its p50 in the run's first and second half (drift). */
  platform: { samples: number; p50: number; p95: number; firstHalfP50: number; secondHalfP50: number; maxRoundTrips: number };
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
  /** Each operation's samples with the platform samples taken next to them, in the order they ran. */
  operations: readonly { operation: Operation; samples: readonly Sample[]; platform: readonly Sample[] }[];
}): FloorFigures {
  const problems: string[] = [];
  const platformSamples = input.operations.flatMap((row) => row.platform);
  const platformMs = timed(platformSamples, (sample) => sample.ms);
  const platformP50 = percentile(platformMs, 50);
  const half = Math.ceil(input.operations.length / 2);
  const halfP50 = (rows: typeof input.operations) => percentile(timed(rows.flatMap((row) => row.platform), (sample) => sample.ms), 50);
  const operations = input.operations.map(({ operation, samples, platform }) => {
    const roundTrips = timed(samples, (sample) => sample.roundTrips);
    const median = percentile(roundTrips, 50);
    const floorMs = median > 0 ? median * input.rttMs : null;
    const ms = timed(samples, (sample) => sample.ms);
    const p50 = percentile(ms, 50);
    const ratio = floorMs === null ? null : (p50 - platformP50) / floorMs;
    const figures: OperationFigures = {
      operation: operation.name,
      kind: operation.kind,
      roundTrips: { min: roundTrips[0] ?? 0, median, max: roundTrips.at(-1) ?? 0 },
      afterResponseRoundTrips: percentile(timed(samples, (sample) => sample.afterResponse), 50),
      p50,
      p95: percentile(ms, 95),
      platformP50: percentile(timed(platform, (sample) => sample.ms), 50),
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
  const platformTrips = Math.max(0, ...platformSamples.map((sample) => sample.roundTrips));
  if (platformTrips > 0) problems.push(`platform: GET /health/live made ${platformTrips} round trips; the baseline is meant to have none`);
  return {
    rttMs: input.rttMs,
    samples: input.samples,
    warmupSamples: input.warmupSamples,
    connectionsOpened: input.connectionsOpened,
    platform: {
      samples: platformMs.length,
      p50: platformP50,
      p95: percentile(platformMs, 95),
      firstHalfP50: halfP50(input.operations.slice(0, half)),
      secondHalfP50: halfP50(input.operations.slice(half)),
      maxRoundTrips: platformTrips,
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
    `platform = p50 of GET /health/live (no database, no auth; one before every sample, ${platform.samples} timed): ${ms(platform.p50)} ms (p95 ${ms(platform.p95)}; first half of the run ${ms(platform.firstHalfP50)}, second half ${ms(platform.secondHalfP50)}; round trips ≤ ${platform.maxRoundTrips})`,
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
