import { contractRouteTemplates, ROUTES_OUTSIDE_THE_CONTRACT } from "./route-templates.ts";
import type { BenchStack, RunCheck } from "./scenario.ts";

/**
 * docs/operations.md#metrics promises bounded cardinality: a label value is a route template, an error code, a
 * queue, job or provider name – never a user id or a raw path. This checks it on what a bench run really left
 * in `GET /api/v1/metrics`: every label value of every series, against
 *   - ids: no UUID (a user, task or request id), no long digit or hex run;
 *   - paths: a `route` is one of the contract's templates (contracts/openapi.json, `:param` form) or one of the
 *     few routes outside it; no other label holds a `/`;
 *   - cardinality: at most `maxValuesPerLabel` distinct values per metric and label (`route` is bounded by the
 *     templates already) and at most `maxSeriesPerMetric` series per metric.
 * The parsing and checking are pure (test/node/metrics-labels.test.ts); `checkMetricLabels` scrapes a stack.
 */
export interface Series {
  /** The sample's name as written (`http_request_duration_seconds_bucket`). */
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface LabelLimits {
  /** Allowed `route` values. */
  routes: ReadonlySet<string>;
  maxValuesPerLabel: number;
  maxSeriesPerMetric: number;
}

export interface LabelReport {
  series: number;
  metrics: number;
  violations: string[];
  /** Distinct values per `metric.label`, for the report. */
  distinctValues: Record<string, number>;
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;
/** A long run of digits or hex: an id, a timestamp or a hash in a value that should be a name. */
const ID_LIKE = /\d{8,}|[0-9a-f]{16,}/i;
const HISTOGRAM_SUFFIXES = ["_bucket", "_sum", "_count"] as const;

/** The Prometheus text format (0.0.4): one sample per line; `#` lines and blank lines skipped. */
export function parseExposition(text: string): Series[] {
  const series: Series[] = [];
  for (const [index, raw] of text.split("\n").entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const parsed = parseSample(line);
    if (parsed === undefined) throw new Error(`metrics line ${index + 1} is not a sample: ${line.slice(0, 200)}`);
    series.push(parsed);
  }
  return series;
}

function parseSample(line: string): Series | undefined {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (name === undefined) return undefined;
  let rest = line.slice(name.length);
  const labels: Record<string, string> = {};
  if (rest.startsWith("{")) {
    rest = rest.slice(1);
    for (;;) {
      rest = rest.replace(/^\s*,?\s*/, "");
      if (rest.startsWith("}")) {
        rest = rest.slice(1);
        break;
      }
      const label = /^([a-zA-Z_][a-zA-Z0-9_]*)="/.exec(rest);
      if (label?.[1] === undefined) return undefined;
      rest = rest.slice(label[0].length);
      let value = "";
      for (;;) {
        const char = rest[0];
        if (char === undefined) return undefined;
        if (char === '"') break;
        if (char === "\\") {
          const escaped = rest[1];
          value += escaped === "n" ? "\n" : (escaped ?? "");
          rest = rest.slice(2);
          continue;
        }
        value += char;
        rest = rest.slice(1);
      }
      rest = rest.slice(1);
      labels[label[1]] = value;
    }
  }
  const value = Number(rest.trim().split(/\s+/)[0]);
  if (rest.trim() === "" || Number.isNaN(value)) return undefined;
  return { name, labels, value };
}

/** The metric a sample belongs to: a histogram's `_bucket`/`_sum`/`_count` are one metric. */
export function metricOf(name: string, histograms: ReadonlySet<string>): string {
  for (const suffix of HISTOGRAM_SUFFIXES) {
    if (name.endsWith(suffix) && histograms.has(name.slice(0, -suffix.length))) return name.slice(0, -suffix.length);
  }
  return name;
}

/** Histogram names declared by `# TYPE <name> histogram` lines. */
export function histogramsOf(text: string): Set<string> {
  const names = new Set<string>();
  for (const match of text.matchAll(/^# TYPE (\S+) histogram$/gm)) if (match[1] !== undefined) names.add(match[1]);
  return names;
}

export function checkLabels(series: readonly Series[], histograms: ReadonlySet<string>, limits: LabelLimits): LabelReport {
  const violations = new Set<string>();
  const values = new Map<string, Set<string>>();
  const seriesPerMetric = new Map<string, Set<string>>();
  for (const sample of series) {
    const metric = metricOf(sample.name, histograms);
    const identity: string[] = [];
    for (const [label, value] of Object.entries(sample.labels)) {
      if (label === "le" && histograms.has(metric)) continue;
      identity.push(`${label}=${value}`);
      const where = `${metric}{${label}="${value}"}`;
      if (UUID.test(value)) violations.add(`${where}: a UUID in a label value`);
      else if (ID_LIKE.test(value)) violations.add(`${where}: an id-like run of digits or hex in a label value`);
      if (label === "route") {
        if (!limits.routes.has(value)) violations.add(`${where}: not a route template of the contract`);
      } else if (value.includes("/")) {
        violations.add(`${where}: a path in a label other than route`);
      }
      const key = `${metric}.${label}`;
      let seen = values.get(key);
      if (seen === undefined) {
        seen = new Set();
        values.set(key, seen);
      }
      seen.add(value);
    }
    let seen = seriesPerMetric.get(metric);
    if (seen === undefined) {
      seen = new Set();
      seriesPerMetric.set(metric, seen);
    }
    seen.add(identity.sort().join(","));
  }
  for (const [key, seen] of values) {
    if (!key.endsWith(".route") && seen.size > limits.maxValuesPerLabel) {
      violations.add(`${key}: ${seen.size} distinct values (at most ${limits.maxValuesPerLabel})`);
    }
  }
  for (const [metric, seen] of seriesPerMetric) {
    if (seen.size > limits.maxSeriesPerMetric) violations.add(`${metric}: ${seen.size} series (at most ${limits.maxSeriesPerMetric})`);
  }
  return {
    series: series.length,
    metrics: seriesPerMetric.size,
    violations: [...violations],
    distinctValues: Object.fromEntries([...values].map(([key, seen]) => [key, seen.size])),
  };
}

/** What a route label may be: the contract's templates in Hono's `:param` form and the routes outside it. */
export function allowedRoutes(): Set<string> {
  return new Set([...contractRouteTemplates().map((template) => template.honoPath), ...ROUTES_OUTSIDE_THE_CONTRACT]);
}

/**
 * Scrapes the stack's `/api/v1/metrics` and checks every label value. The Worker flushes an isolate's deltas
 * to the aggregate ≤ FLUSH_DELAY_MS (1 s) after its last request, in `waitUntil`, and a scrape flushes only its
 * own isolate: the scrape waits `settleMs` first, then once more until `http_requests_total` stops growing, so
 * it sees the whole run. `minRequests` (the run's responses) guards against checking an empty exposition: fewer
 * counted requests than that is a failure too.
 */
export async function checkMetricLabels(stack: BenchStack, options: { minRequests: number; settleMs?: number }): Promise<RunCheck> {
  const limits: LabelLimits = { routes: allowedRoutes(), maxValuesPerLabel: 100, maxSeriesPerMetric: 5_000 };
  const scrape = async (): Promise<{ text: string; requests: number }> => {
    const response = await fetch(`${stack.baseUrl}/api/v1/metrics`, { headers: { authorization: `Bearer ${stack.metricsToken}` } });
    const text = await response.text();
    if (response.status !== 200) throw new Error(`GET /api/v1/metrics answered ${response.status}: ${text.slice(0, 200)}`);
    const requests = parseExposition(text)
      .filter((sample) => sample.name === "http_requests_total")
      .reduce((sum, sample) => sum + sample.value, 0);
    return { text, requests };
  };
  await new Promise((resolve) => setTimeout(resolve, options.settleMs ?? 2_000));
  let scraped = await scrape();
  // Requests a run cut off are still answered by the Worker (and counted) for a while after it: bounded.
  const deadline = performance.now() + 60_000;
  for (let attempt = 0; attempt < 10 && performance.now() < deadline; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const again = await scrape();
    const grew = again.requests > scraped.requests;
    scraped = again;
    if (!grew) break;
  }
  const histograms = histogramsOf(scraped.text);
  const report = checkLabels(parseExposition(scraped.text), histograms, limits);
  const violations = [...report.violations];
  if (scraped.requests < options.minRequests) {
    violations.push(`http_requests_total sums to ${scraped.requests}, fewer than the run's ${options.minRequests} responses: the scrape did not see the run`);
  }
  const busiest = Object.entries(report.distinctValues).sort((a, b) => b[1] - a[1]).slice(0, 4);
  return {
    name: "metric labels",
    ok: violations.length === 0,
    lines: [
      `${report.series} samples in ${report.metrics} metrics, http_requests_total ${scraped.requests} (run: ${options.minRequests} responses); ` +
        `most distinct values: ${busiest.map(([key, count]) => `${key} ${count}`).join(", ")}`,
      violations.length === 0
        ? `no UUID, id-like value or raw path in any label; every route a template; ≤ ${limits.maxValuesPerLabel} values per label, ≤ ${limits.maxSeriesPerMetric} series per metric`
        : `${violations.length} violation(s):`,
      ...violations.slice(0, 50).map((violation) => `  ${violation}`),
    ],
    figures: { samples: report.series, metrics: report.metrics, httpRequestsTotal: scraped.requests, violations, distinctValues: report.distinctValues },
  };
}
