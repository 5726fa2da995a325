/**
 * One isolate's not-yet-flushed metric deltas, and the merge both the isolate and the aggregate use. A series
 * is a metric plus its label values; a counter delta is a number, a histogram delta per-bucket counts (not
 * cumulative; the last slot is +Inf), a sum and a count, a gauge the value it was set to.
 */
import { METRICS, type MetricName } from "./catalogue";

export interface SeriesDelta {
  name: MetricName;
  /** Label values in the catalogue's label order. */
  labels: string[];
  /** Counter: the increment. Histogram: observations. Gauge: the value last set. */
  count: number;
  /** Histogram only: sum of the observed values (seconds). */
  sum: number;
  /** Histogram only: observations per bucket, length = buckets + 1 (+Inf). Empty for counters. */
  buckets: number[];
}

/** Longest label value kept; longer ones are cut (a bound on series size, not on cardinality). */
const MAX_LABEL_LENGTH = 120;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

/**
 * Defence in depth for bounded cardinality: label values come from route templates, codes and names, but a
 * value that still carries an id (a bug upstream) is recorded with the id replaced, never as a new series per id.
 */
export function labelValue(value: string): string {
  return value.replace(UUID, ":id").slice(0, MAX_LABEL_LENGTH);
}

export function seriesKey(name: string, labels: readonly string[]): string {
  return JSON.stringify([name, ...labels]);
}

export function emptyDelta(name: MetricName, labels: string[]): SeriesDelta {
  const definition = METRICS[name];
  const buckets = "buckets" in definition ? new Array<number>(definition.buckets.length + 1).fill(0) : [];
  return { name, labels, count: 0, sum: 0, buckets };
}

export function isGauge(name: MetricName): boolean {
  return METRICS[name].kind === "gauge";
}

/** Adds `from` into `into` (same series); a gauge takes `from`'s value – `from` is the later write. */
export function addInto(into: SeriesDelta, from: SeriesDelta): void {
  if (isGauge(into.name)) {
    into.count = from.count;
    return;
  }
  into.count += from.count;
  into.sum += from.sum;
  for (let index = 0; index < into.buckets.length; index += 1) into.buckets[index] = (into.buckets[index] ?? 0) + (from.buckets[index] ?? 0);
}

/** The slot of `value` among `bounds` (the first bound ≥ value; past the last: +Inf). */
export function bucketIndex(bounds: readonly number[], value: number): number {
  const index = bounds.findIndex((bound) => value <= bound);
  return index === -1 ? bounds.length : index;
}
