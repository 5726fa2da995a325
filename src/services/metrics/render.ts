/**
 * The Prometheus text exposition format (version 0.0.4) of the summed shard totals: `# HELP`, `# TYPE`, one
 * line per series; histograms as cumulative `_bucket{le}` lines ending in `+Inf`, then `_sum` and `_count`.
 */
import { isMetricName, METRICS, type MetricName } from "./catalogue";
import { addInto, emptyDelta, seriesKey, type SeriesDelta } from "./series";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Sums several shards' series into one set (a gauge lives in one shard, GAUGE_SHARD: its value is taken as is). */
export function mergeShards(shards: readonly SeriesDelta[][]): Map<string, SeriesDelta> {
  const merged = new Map<string, SeriesDelta>();
  for (const shard of shards) {
    for (const delta of shard) {
      const key = seriesKey(delta.name, delta.labels);
      let into = merged.get(key);
      if (into === undefined) {
        into = emptyDelta(delta.name, delta.labels);
        merged.set(key, into);
      }
      addInto(into, delta);
    }
  }
  return merged;
}

export function renderPrometheus(series: Map<string, SeriesDelta>): string {
  const byName = new Map<MetricName, SeriesDelta[]>();
  for (const delta of series.values()) byName.set(delta.name, [...(byName.get(delta.name) ?? []), delta]);
  const lines: string[] = [];
  for (const name of Object.keys(METRICS).filter(isMetricName)) {
    const definition = METRICS[name];
    lines.push(`# HELP ${name} ${definition.help}`, `# TYPE ${name} ${definition.kind}`);
    const rows = (byName.get(name) ?? []).sort((a, b) => seriesKey(a.name, a.labels).localeCompare(seriesKey(b.name, b.labels)));
    for (const row of rows) {
      const pairs = definition.labels.map((label: string, index: number) => [label, row.labels[index] ?? ""] as const);
      if (!("buckets" in definition)) {
        lines.push(`${name}${labelSet(pairs)} ${number(row.count)}`);
        continue;
      }
      let cumulative = 0;
      definition.buckets.forEach((bound: number, index: number) => {
        cumulative += row.buckets[index] ?? 0;
        lines.push(`${name}_bucket${labelSet([...pairs, ["le", String(bound)]])} ${number(cumulative)}`);
      });
      cumulative += row.buckets[definition.buckets.length] ?? 0;
      lines.push(`${name}_bucket${labelSet([...pairs, ["le", "+Inf"]])} ${number(cumulative)}`);
      lines.push(`${name}_sum${labelSet(pairs)} ${number(row.sum)}`, `${name}_count${labelSet(pairs)} ${number(row.count)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

function labelSet(pairs: readonly (readonly [string, string])[]): string {
  if (pairs.length === 0) return "";
  return `{${pairs.map(([label, value]) => `${label}="${escapeLabel(value)}"`).join(",")}}`;
}

/** Label values escape backslash, double quote and line feed. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function number(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Math.round(value * 1e6) / 1e6);
}
