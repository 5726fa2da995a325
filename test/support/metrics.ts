/**
 * Reading a `/metrics` exposition (Prometheus text 0.0.4) in tests: the value of one sample line
 * (`name{labels} value`) whose labels are exactly `labels`, 0 when the series does not exist yet.
 */
export function metricSample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const [series, value] = [line.slice(0, line.lastIndexOf(" ")), line.slice(line.lastIndexOf(" ") + 1)];
    const inner = series.includes("{") ? series.slice(series.indexOf("{") + 1, -1).split(/,(?=[a-z_]+=")/) : [];
    if (inner.length === wanted.length && wanted.every((pair) => inner.includes(pair))) return Number(value);
  }
  return 0;
}

/** The metric families an exposition declares (`# TYPE <name> <kind>`), name → kind. */
export function declaredMetrics(text: string): Map<string, string> {
  const declared = new Map<string, string>();
  for (const line of text.split("\n")) {
    const match = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (match?.[1] !== undefined && match[2] !== undefined) declared.set(match[1], match[2]);
  }
  return declared;
}
