import { DurableObject } from "cloudflare:workers";
import type { Bindings } from "../../src/env";
import { isMetricName, METRICS } from "../../src/services/metrics/catalogue";
import { addInto, emptyDelta, seriesKey, type SeriesDelta } from "../../src/services/metrics/series";

/** A bound on series per shard: the catalogue's labels are bounded, this catches a bug that is not. */
export const MAX_SERIES = 20_000;

interface SeriesRow extends Record<string, SqlStorageValue> {
  key: string;
  name: string;
  labels: string;
  count: number;
  sum: number;
  buckets: string;
}

/**
 * docs/operations.md#metrics: one shard of the cross-isolate metric totals. Isolates send their deltas
 * (src/services/metrics/recorder.ts); `record` adds them to the totals in SQLite storage, synchronously, so
 * concurrent flushes never interleave and the totals survive eviction. `/metrics` reads every shard's
 * `snapshot` and sums them. Counter and histogram totals only grow, as Prometheus expects; a gauge's row holds
 * the value of the last `record` that carried it (isolates send gauges to one shard, recorder.ts GAUGE_SHARD,
 * so this object's order of writes is the order across isolates).
 */
export class MetricsAggregate extends DurableObject<Bindings> {
  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "create table if not exists series (key text primary key, name text not null, labels text not null, count real not null, sum real not null, buckets text not null)",
    );
  }

  /** Adds a flush's deltas; answers how many series were dropped because the shard is full. */
  record(deltas: SeriesDelta[]): { dropped: number } {
    const sql = this.ctx.storage.sql;
    let dropped = 0;
    this.ctx.storage.transactionSync(() => {
      let total = sql.exec<{ n: number }>("select count(*) as n from series").one().n;
      for (const delta of deltas) {
        if (!isMetricName(delta.name) || delta.labels.length !== METRICS[delta.name].labels.length) continue;
        const key = seriesKey(delta.name, delta.labels);
        const row = sql.exec<SeriesRow>("select * from series where key = ?", key).toArray()[0];
        const current = row === undefined ? emptyDelta(delta.name, delta.labels) : fromRow(row, delta);
        if (row === undefined && total >= MAX_SERIES) {
          dropped += 1;
          continue;
        }
        if (row === undefined) total += 1;
        addInto(current, delta);
        sql.exec(
          "insert into series (key, name, labels, count, sum, buckets) values (?, ?, ?, ?, ?, ?) on conflict (key) do update set count = excluded.count, sum = excluded.sum, buckets = excluded.buckets",
          key, delta.name, JSON.stringify(delta.labels), current.count, current.sum, JSON.stringify(current.buckets),
        );
      }
    });
    return { dropped };
  }

  /** Every series' totals. */
  snapshot(): SeriesDelta[] {
    const rows = this.ctx.storage.sql.exec<SeriesRow>("select * from series").toArray();
    const out: SeriesDelta[] = [];
    for (const row of rows) {
      if (!isMetricName(row.name)) continue;
      out.push({ name: row.name, labels: parseStrings(row.labels), count: row.count, sum: row.sum, buckets: parseNumbers(row.buckets) });
    }
    return out;
  }
}

function fromRow(row: SeriesRow, like: SeriesDelta): SeriesDelta {
  return { name: like.name, labels: like.labels, count: row.count, sum: row.sum, buckets: parseNumbers(row.buckets) };
}

function parseStrings(text: string): string[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : [];
}

function parseNumbers(text: string): number[] {
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.map(Number) : [];
}
