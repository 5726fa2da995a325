import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { isMetricName, METRICS, type MetricName } from "../../src/services/metrics/catalogue.ts";

/**
 * ops/alerts.yml is written against the metric catalogue (src/services/metrics/catalogue.ts): a rule over a
 * metric or label that `/metrics` does not serve never fires, and promtool cannot tell (its unit tests feed
 * the series they name). This reads every rule's expression and checks each metric it selects – with the
 * histogram suffixes – and each label it matches or groups by against the catalogue. The rules' behaviour is
 * promtool's to test (ops/alerts.test.yml, `npm run ops:check`).
 */
const rulesFile = readFileSync(fileURLToPath(new URL("../../ops/alerts.yml", import.meta.url)), "utf8");

interface Rule {
  alert: string;
  expr: string;
}

/** The `alert:` names and their `expr:` (inline or a `|` block), read line by line – the file's own layout. */
function rules(text: string): Rule[] {
  const lines = text.split("\n");
  const out: Rule[] = [];
  let alert: string | undefined;
  for (let index = 0; index < lines.length; index += 1) {
    const line = lines[index] ?? "";
    const named = /^\s*- alert:\s*(\S+)/.exec(line);
    if (named) alert = named[1];
    const expr = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!expr || alert === undefined) continue;
    const indent = (expr[1] ?? "").length;
    let body = expr[2] ?? "";
    if (body.trim() === "|") {
      body = "";
      while (index + 1 < lines.length && continues(lines[index + 1] ?? "", indent)) {
        index += 1;
        body += `${lines[index] ?? ""}\n`;
      }
    }
    out.push({ alert, expr: body });
  }
  return out;
}

/** A line of a block scalar: blank, or indented deeper than its key. */
function continues(line: string, keyIndent: number): boolean {
  return line.trim() === "" || line.length - line.trimStart().length > keyIndent;
}

interface Selection {
  metric: string;
  labels: string[];
}

const HISTOGRAM_SUFFIXES = ["_bucket", "_count", "_sum"] as const;
const OPERATORS = new Set(["and", "or", "unless", "offset", "bool"]);

/** The metrics an expression selects, each with the labels its matchers name, and the labels it groups by. */
function selections(expr: string): { selected: Selection[]; grouped: string[] } {
  const selected: Selection[] = [];
  const grouped: string[] = [];
  let rest = expr.replace(/([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}/g, (_, metric: string, matchers: string) => {
    selected.push({ metric, labels: [...matchers.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)/g)].map((match) => match[1] ?? "") });
    return " ";
  });
  rest = rest.replace(/\[[^\]]*\]/g, " ").replace(/\b(?:by|without)\s*\(([^)]*)\)/g, (_, list: string) => {
    grouped.push(...list.split(",").map((label) => label.trim()).filter((label) => label !== ""));
    return " ";
  });
  for (const match of rest.matchAll(/(?<![\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    const word = match[1] ?? "";
    if (!OPERATORS.has(word)) selected.push({ metric: word, labels: [] });
  }
  return { selected, grouped };
}

/** The catalogue entry a served series name belongs to, and whether it is a histogram's `_bucket`. */
function catalogued(series: string): { name: MetricName; bucket: boolean } | undefined {
  if (isMetricName(series) && METRICS[series].kind !== "histogram") return { name: series, bucket: false };
  for (const suffix of HISTOGRAM_SUFFIXES) {
    const base = series.slice(0, -suffix.length);
    if (series.endsWith(suffix) && isMetricName(base) && METRICS[base].kind === "histogram") return { name: base, bucket: suffix === "_bucket" };
  }
  return undefined;
}

describe("ops/alerts.yml against the metric catalogue", () => {
  const all = rules(rulesFile);

  it("has the rules docs/operations.md lists (SPEC §13 plus dead letters, cron failures and ledger drift)", () => {
    expect(all.map((rule) => rule.alert).sort()).toEqual(
      [
        "AiChatLatencyP95High",
        "CreditLedgerDrift",
        "CronJobFailed",
        "CrudLatencyP95High",
        "ErrorRateHigh",
        "PushDeliveryDelayed",
        "QueueMessagesDeadLettered",
        "TaskRecoverySlow",
        "WebhookProcessingSlow",
      ].sort(),
    );
    const documented = readFileSync(fileURLToPath(new URL("../../docs/operations.md", import.meta.url)), "utf8");
    for (const rule of all) expect(documented, rule.alert).toContain(`| \`${rule.alert}\``);
  });

  it.each(all.map((rule) => [rule.alert, rule.expr] as const))("%s selects only catalogued metrics and labels", (_, expr) => {
    const { selected, grouped } = selections(expr);
    expect(selected.length).toBeGreaterThan(0);
    const allowed = new Set<string>();
    for (const { metric, labels } of selected) {
      const entry = catalogued(metric);
      expect(entry, `${metric} is not in src/services/metrics/catalogue.ts`).toBeDefined();
      if (entry === undefined) continue;
      const own = new Set<string>([...METRICS[entry.name].labels, ...(entry.bucket ? ["le"] : [])]);
      for (const label of labels) expect(own.has(label), `${metric} has no label ${label}`).toBe(true);
      for (const label of own) allowed.add(label);
    }
    for (const label of grouped) expect(allowed.has(label), `grouping by ${label}, which none of its metrics has`).toBe(true);
  });
});
