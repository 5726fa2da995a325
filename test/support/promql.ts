/**
 * The metric names a PromQL expression reads, for the tests that hold ops/ (alerts, the SLO dashboard) to the
 * catalogue of `/metrics`. Not a parser: it drops what can never be a metric name – string literals, label
 * matchers, range and subquery windows, grouping and matching clauses, numbers – and keeps every remaining
 * identifier that is not a function call or an operator keyword.
 */
const KEYWORDS = new Set(["and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left", "group_right", "inf", "nan"]);

export function promqlMetricNames(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = new Set<string>();
  for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const name = match[0];
    const before = stripped[match.index - 1] ?? " ";
    const after = stripped.slice(match.index + name.length).trimStart();
    if (/[0-9.]/.test(before)) continue; // the exponent of a number (1e3)
    if (after.startsWith("(")) continue; // a function or an aggregation
    if (KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** The metric family a series name belongs to: a histogram's `_bucket`, `_sum` and `_count` are its own. */
export function metricFamily(name: string, histograms: ReadonlySet<string>): string {
  const suffix = /_(bucket|sum|count)$/.exec(name);
  if (suffix !== null) {
    const base = name.slice(0, suffix.index);
    if (histograms.has(base)) return base;
  }
  return name;
}
