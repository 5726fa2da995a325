import { percentile } from "../percentile.ts";
import type { Operation } from "./operations.ts";

/**
 * The figures of a `floor` run (load/scenarios/floor.ts) and their table. Percentiles are nearest-rank over
 * the timed samples (load/measure.ts); round trips are the endpoint's counts per request id.
 */
export const TARGET_RATIO = 1.15;
/** Round-trip budget per request (ARCHITECTURE "Database access over HTTP"). */
export const ROUND_TRIP_BUDGET = { read: 1, write: 2, reference: 1 } as const;

export interface Sample {
  requestId: string;
  warmup: boolean;
  status: number;
  ms: number;
  /** Round trips under the request's own id: the ones the response waited for. */
  roundTrips: number;
  /** Round trips under `<id>:after-commit` (waitUntil work after the response). */
  afterResponse: number;
  /** Where the sample's time went around its round trips; absent for a request without one. */
  phases?: Phases;
}

/**
 * One request's wall time cut at its round trips, from the client's clock and the local Neon endpoint's spans
 * (both epoch ms on this machine): before the first round trip reached the endpoint's handler, between one
 * answer and the next round trip (summed), after the last answer, and what the endpoint spent beyond the
 * injected delay (its HTTP handling and PostgreSQL; `postgres` is PostgreSQL's part). The round trips of one
 * request are sequential, so the parts add up to the wall time: before + Σ spans + between + after.
 */
export interface Phases {
  before: number;
  between: number;
  after: number;
  endpointBeyondDelay: number;
  postgres: number;
}

/** The phases of a request sent at `sentAt` that took `ms`, given its round trips' spans and the delay each one had. */
export function phasesOf(
  request: { sentAt: number; ms: number },
  spans: readonly { arrivedAt: number; answeredAt: number; postgresMs: number }[],
  delayMs: number,
): Phases | undefined {
  const first = spans[0];
  const last = spans.at(-1);
  if (first === undefined || last === undefined) return undefined;
  let between = 0;
  for (let index = 1; index < spans.length; index += 1) between += (spans[index]?.arrivedAt ?? 0) - (spans[index - 1]?.answeredAt ?? 0);
  return {
    before: first.arrivedAt - request.sentAt,
    between,
    after: request.sentAt + request.ms - last.answeredAt,
    endpointBeyondDelay: spans.reduce((sum, span) => sum + span.answeredAt - span.arrivedAt - delayMs, 0),
    postgres: spans.reduce((sum, span) => sum + span.postgresMs, 0),
  };
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
  /** p50 of each phase over the timed samples that have them (medians: they need not add up to p50). */
  phases?: Phases;
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
  /**
   * The reference (`referenceOperation`: one trivial round trip) and what that round trip costs over its delay
   * and the platform (p50 − platform − RTT); not counted in `targetsMet`.
   */
  reference?: OperationFigures & {
    perRoundTripMs: number;
    /** The same cost from the reference's samples at the start of the run and from those at its end (drift). */
    perRoundTripAtStartMs: number;
    perRoundTripAtEndMs?: number;
  };
  /** Samples (all operations) sent although the endpoint still had work of earlier requests in flight. */
  notQuietSamples: number;
  target: number;
  targetsMet: number;
  clean: boolean;
  problems: string[];
}

/** One operation's samples with the platform samples taken next to them, in the order they ran, and how many of its
 * samples started before the database side was quiet (the wait gave up). */
export interface MeasuredOperation {
  operation: Operation;
  samples: readonly Sample[];
  platform: readonly Sample[];
  notQuiet?: number;
}

export function summariseFloor(input: {
  rttMs: number;
  samples: number;
  warmupSamples: number;
  connectionsOpened: number;
  operations: readonly MeasuredOperation[];
  /** The reference's samples, measured like an operation's, at the start of the run … */
  reference?: MeasuredOperation;
  /** … and once more at its end; the reference's figures are over both. */
  referenceAtEnd?: MeasuredOperation;
}): FloorFigures {
  const problems: string[] = [];
  const references = [input.reference, input.referenceAtEnd].filter((row) => row !== undefined);
  const measured = [...references.slice(0, 1), ...input.operations, ...references.slice(1)];
  const platformSamples = measured.flatMap((row) => row.platform);
  const platformMs = timed(platformSamples, (sample) => sample.ms);
  const platformP50 = percentile(platformMs, 50);
  const half = Math.ceil(measured.length / 2);
  const halfP50 = (rows: readonly MeasuredOperation[]) => percentile(timed(rows.flatMap((row) => row.platform), (sample) => sample.ms), 50);
  const summarise = ({ operation, samples, platform }: MeasuredOperation): OperationFigures => {
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
      ...medianPhases(samples),
      failures: failures(samples),
    };
    if (Object.keys(figures.failures).length > 0) problems.push(`${operation.name}: non-2xx ${JSON.stringify(figures.failures)}`);
    if (figures.roundTrips.max > ROUND_TRIP_BUDGET[operation.kind]) {
      problems.push(`${operation.name}: ${figures.roundTrips.max} round trips, over the ${operation.kind} budget of ${ROUND_TRIP_BUDGET[operation.kind]}`);
    }
    return figures;
  };
  const operations = input.operations.map(summarise);
  const reference = summariseReference(input.reference, input.referenceAtEnd, summarise, platformP50);
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
      firstHalfP50: halfP50(measured.slice(0, half)),
      secondHalfP50: halfP50(measured.slice(half)),
      maxRoundTrips: platformTrips,
    },
    operations,
    ...(reference && { reference }),
    notQuietSamples: measured.reduce((sum, row) => sum + (row.notQuiet ?? 0), 0),
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
    `each sample sent with the database side quiet (nothing in flight at the endpoint, no new round trip for 20 ms) – except ${figures.notQuietSamples}, where waiting gave up after 5 s`,
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
    ...renderReference(figures),
    "",
    ...renderPhases(figures),
    "",
    `target met: ${figures.targetsMet} of ${figures.operations.filter((row) => row.ratio !== null).length} operations`,
    figures.clean ? "clean: every answer 2xx, every read ≤ 1 and every write ≤ 2 round trips" : `NOT clean:\n  ${figures.problems.join("\n  ")}`,
  ];
  return lines.join("\n");
}

/**
 * The reference over its samples at the start and at the end together, with what one round trip cost at either
 * end of the run: the Worker and the machine keep warming (or cooling) for minutes, and one end alone would put
 * that drift on every operation's "beyond the reference" column.
 */
function summariseReference(
  start: MeasuredOperation | undefined,
  end: MeasuredOperation | undefined,
  summarise: (row: MeasuredOperation) => OperationFigures,
  platformP50: number,
): FloorFigures["reference"] {
  if (start === undefined) return undefined;
  const all = summarise(end === undefined ? start : { ...start, samples: [...start.samples, ...end.samples], platform: [...start.platform, ...end.platform] });
  const floorMs = all.floorMs ?? 0;
  const cost = (samples: readonly Sample[]) => percentile(timed(samples, (sample) => sample.ms), 50) - platformP50 - floorMs;
  return {
    ...all,
    perRoundTripMs: all.p50 - platformP50 - floorMs,
    perRoundTripAtStartMs: cost(start.samples),
    ...(end && { perRoundTripAtEndMs: cost(end.samples) }),
  };
}

function medianPhases(samples: readonly Sample[]): { phases?: Phases } {
  const withPhases = samples.filter((sample) => !sample.warmup && sample.phases !== undefined);
  if (withPhases.length === 0) return {};
  const p50 = (pick: (phases: Phases) => number) => percentile(withPhases.map((sample) => (sample.phases ? pick(sample.phases) : 0)).sort((a, b) => a - b), 50);
  return {
    phases: {
      before: p50((phases) => phases.before),
      between: p50((phases) => phases.between),
      after: p50((phases) => phases.after),
      endpointBeyondDelay: p50((phases) => phases.endpointBeyondDelay),
      postgres: p50((phases) => phases.postgres),
    },
  };
}

/** The reference's line: what one trivial round trip costs the stack, and so how much of each target it leaves. */
function renderReference(figures: FloorFigures): string[] {
  const { reference } = figures;
  if (reference === undefined) return [];
  const ms = (value: number) => value.toFixed(1);
  const allowance = (figures.target - 1) * figures.rttMs;
  const phases = reference.phases;
  return [
    "",
    `reference (not an operation under test): ${reference.operation} – no token, no rate-limit RPC, one trivial round trip – p50 ${ms(reference.p50)} ms, p95 ${ms(reference.p95)}, ` +
      `${reference.ratio === null ? "no round trip" : `${reference.ratio.toFixed(2)}×`}; one round trip costs this stack ${ms(reference.perRoundTripMs)} ms over platform + RTT` +
      `${phases ? ` (endpoint beyond the delay ${ms(phases.endpointBeyondDelay)}, of it PostgreSQL ${ms(phases.postgres)})` : ""}` +
      `${reference.perRoundTripAtEndMs === undefined ? "" : ` – ${ms(reference.perRoundTripAtStartMs)} at the start of the run, ${ms(reference.perRoundTripAtEndMs)} at its end`}, ` +
      `against the target's allowance of ${allowance.toFixed(2)} ms per round trip`,
  ];
}

function renderPhases(figures: FloorFigures): string[] {
  const { reference } = figures;
  const rows = [...(reference ? [{ ...reference, operation: `${reference.operation} (reference)` }] : []), ...figures.operations].filter(
    (row) => row.phases !== undefined && row.floorMs !== null,
  );
  if (rows.length === 0) return [];
  const ms = (value: number) => value.toFixed(1);
  return [
    `where the time over the floor is (p50 of each part, ms; the platform's ${ms(figures.platform.p50)} ms is split between "before" and "after", which hold the wrangler dev proxy and the client both ways):`,
    "",
    `| operation | p50 − platform − floor | before the first round trip | between round trips | after the last | endpoint beyond the delay (of it PostgreSQL) |${reference ? " beyond the reference's cost per round trip |" : ""}`,
    `|---|---|---|---|---|---|${reference ? "---|" : ""}`,
    ...rows.map((row) => {
      const phases = row.phases;
      if (phases === undefined) return "";
      const excess = row.p50 - figures.platform.p50 - (row.floorMs ?? 0);
      const beyondReference = reference ? ` ${ms(excess - row.roundTrips.median * reference.perRoundTripMs)} |` : "";
      return `| ${row.operation} | ${ms(excess)} | ${ms(phases.before)} | ${row.roundTrips.max > 1 ? ms(phases.between) : "–"} | ${ms(phases.after)} | ${ms(phases.endpointBeyondDelay)} (${ms(phases.postgres)}) |${beyondReference}`;
    }),
  ];
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
