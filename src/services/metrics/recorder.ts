/**
 * docs/operations.md#metrics, per isolate: services record into this isolate's deltas (no I/O, a map update);
 * `scheduleMetricsFlush` sends them, at most once per FLUSH_DELAY_MS per isolate, to a MetricsAggregate
 * Durable Object in `waitUntil`, and `/metrics` renders the aggregates' sum. A failed flush puts its deltas
 * back, so they go with the next one. Loss bound: what an isolate recorded in the last FLUSH_DELAY_MS before
 * it was evicted – and nothing is ever counted twice (a delta leaves the isolate once it was acknowledged).
 * Gauges (a value as of its last write, never summed) all go to one shard, GAUGE_SHARD, whichever isolate
 * sets them: that object orders the writes, so the last write to arrive wins across isolates.
 */
import { recordMetricDeltas } from "../../../durable-objects/metrics-aggregate/client";
import type { Bindings } from "../../env";
import { METRICS, type CounterName, type GaugeName, type HistogramName, type LabelsOf, type MetricName } from "./catalogue";
import { addInto, bucketIndex, emptyDelta, isGauge, labelValue, seriesKey, type SeriesDelta } from "./series";

/** How long an isolate gathers deltas before one flush sends them (one DO request per isolate per interval). */
export const FLUSH_DELAY_MS = 1000;

/** A recorder per isolate; tests make several to stand for several isolates. */
export class MetricsRecorder {
  private pending = new Map<string, SeriesDelta>();
  private scheduled = false;
  private inFlight: Promise<void> | undefined;

  count<N extends CounterName>(name: N, labels: LabelsOf<N>, increment = 1): void {
    this.series(name, labels).count += increment;
  }

  observe<N extends HistogramName>(name: N, labels: LabelsOf<N>, seconds: number): void {
    const delta = this.series(name, labels);
    const definition = METRICS[name];
    const value = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
    delta.count += 1;
    delta.sum += value;
    const slot = bucketIndex(definition.buckets, value);
    delta.buckets[slot] = (delta.buckets[slot] ?? 0) + 1;
  }

  /** A gauge's new value; replaces what this isolate set before and, once flushed, what any isolate set. */
  set<N extends GaugeName>(name: N, labels: LabelsOf<N>, value: number): void {
    this.series(name, labels).count = Number.isFinite(value) ? value : 0;
  }

  /** Number of series waiting to be flushed. */
  get size(): number {
    return this.pending.size;
  }

  /**
   * After a request, message batch or cron run: makes sure one flush follows within FLUSH_DELAY_MS. Requests
   * meanwhile join it, so a busy isolate sends one DO request per interval, not one per request.
   */
  scheduleFlush(env: Bindings, waitUntil: (promise: Promise<unknown>) => void): void {
    if (this.scheduled || this.pending.size === 0) return;
    this.scheduled = true;
    waitUntil(
      new Promise((resolve) => setTimeout(resolve, FLUSH_DELAY_MS)).then(async () => {
        this.scheduled = false;
        await this.flush(env);
      }),
    );
  }

  /** Sends everything pending now (also waits for a flush already under way); never throws. */
  async flush(env: Bindings): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
    if (this.pending.size === 0) return;
    const byShard = new Map<number, SeriesDelta[]>();
    for (const delta of this.pending.values()) {
      const shard = isGauge(delta.name) ? GAUGE_SHARD : this.shard();
      const batch = byShard.get(shard);
      if (batch === undefined) byShard.set(shard, [delta]);
      else batch.push(delta);
    }
    this.pending = new Map();
    this.inFlight = Promise.all(
      [...byShard].map(async ([shard, deltas]) => {
        // Not acknowledged: back into pending for the next flush, merged with what arrived meanwhile.
        await recordMetricDeltas(env, shard, deltas).catch(() => this.putBack(deltas));
      }),
    )
      .then(() => undefined)
      .finally(() => {
        this.inFlight = undefined;
      });
    await this.inFlight;
  }

  /** Counter and histogram deltas add to what was recorded meanwhile; a gauge set meanwhile is newer and stays. */
  private putBack(deltas: readonly SeriesDelta[]): void {
    for (const delta of deltas) {
      const key = seriesKey(delta.name, delta.labels);
      if (!isGauge(delta.name)) addInto(this.series(delta.name, delta.labels), delta);
      else if (!this.pending.has(key)) this.pending.set(key, delta);
    }
  }

  private shardIndex: number | undefined;

  /** The aggregate shard this isolate writes to, chosen once (spreads isolates over the shards). */
  private shard(): number {
    this.shardIndex ??= Math.floor(Math.random() * METRICS_SHARDS);
    return this.shardIndex;
  }

  private series<N extends MetricName>(name: N, labels: LabelsOf<N> | string[]): SeriesDelta {
    const values = Array.isArray(labels) ? labels : METRICS[name].labels.map((label: string) => labelValue(labelOf(labels, label)));
    const key = seriesKey(name, values);
    let delta = this.pending.get(key);
    if (delta === undefined) {
      delta = emptyDelta(name, values);
      this.pending.set(key, delta);
    }
    return delta;
  }
}

/** Aggregate Durable Objects; `/metrics` reads them all. More shards = more flush throughput. */
export const METRICS_SHARDS = 4;

/** The one shard every gauge is written to (last write wins there); counters and histograms use any shard. */
export const GAUGE_SHARD = 0;

function labelOf(labels: Record<string, string>, label: string): string {
  return labels[label] ?? "";
}

/** This isolate's recorder (module state lives as long as the isolate). */
export const metrics = new MetricsRecorder();
