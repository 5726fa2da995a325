import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sloDashboard } from "../../ops/grafana/slo-dashboard.ts";
import { METRICS } from "../../src/services/metrics/catalogue.ts";
import { metricFamily, promqlMetricNames } from "../support/promql.ts";

/**
 * docs/operations.md "SLO dashboard": ops/grafana/slo-dashboard.json, as Grafana imports it. Its schema is
 * checked by the typecheck of its source (ops/grafana/slo-dashboard.ts `satisfies` @grafana/schema's
 * Dashboard) plus `npm run ops:dashboard -- --check`; here: what it queries exists, and each service level has
 * its objective and its alert rule. The same names against a live `/metrics`: test/suites/platform/slo-dashboard.test.ts.
 */
interface Target {
  expr: string;
}
interface JsonPanel {
  id: number;
  type: string;
  title: string;
  description?: string;
  links?: Array<{ title: string; url: string }>;
  targets?: Target[];
  fieldConfig?: { defaults: { thresholds?: { steps: Array<{ color: string; value: number | null }> } } };
}
interface JsonDashboard {
  uid: string;
  schemaVersion: number;
  __inputs: Array<{ name: string; type: string; pluginId: string }>;
  panels: JsonPanel[];
}

const text = readFileSync(new URL("../../ops/grafana/slo-dashboard.json", import.meta.url), "utf8");
const dashboard = JSON.parse(text) as JsonDashboard;
const queried = dashboard.panels.filter((panel) => panel.type !== "row");
const histograms = new Set(Object.entries(METRICS).filter(([, m]) => m.kind === "histogram").map(([name]) => name));
const alertRules = new Set([...readFileSync(new URL("../../ops/alerts.yml", import.meta.url), "utf8").matchAll(/^\s*- alert:\s*(\w+)\s*$/gm)].map((m) => m[1]));


/** The alert rule a panel names in its link (`/alerting/list?search=<rule>`). */
function alertOf(panel: JsonPanel): string | undefined {
  const url = panel.links?.find((link) => link.url.startsWith("/alerting/list?search="))?.url;
  return url === undefined ? undefined : decodeURIComponent(url.slice("/alerting/list?search=".length));
}

describe("the metric-name extraction", () => {
  it("finds the metrics of an expression and nothing else", () => {
    expect(promqlMetricNames('histogram_quantile(0.95, sum by (le, provider) (rate(webhook_processing_duration_seconds_bucket{route=~"/a/b"}[15m]))) > 30')).toEqual([
      "webhook_processing_duration_seconds_bucket",
    ]);
    expect(promqlMetricNames('sum(rate(http_requests_total{status=~"5.."}[5m])) / sum(rate(http_requests_total[5m])) > 0.01 and sum(rate(x_total[5m])) > 1e3')).toEqual([
      "http_requests_total",
      "x_total",
    ]);
    expect(promqlMetricNames("max(credit_ledger_drift_users) offset 1h")).toEqual(["credit_ledger_drift_users"]);
  });

  it("maps a histogram's series to its family, and leaves other names alone", () => {
    expect(metricFamily("http_request_duration_seconds_bucket", histograms)).toBe("http_request_duration_seconds");
    expect(metricFamily("ai_first_token_seconds_count", histograms)).toBe("ai_first_token_seconds");
    expect(metricFamily("http_requests_total", histograms)).toBe("http_requests_total");
    expect(metricFamily("nothing_count", histograms)).toBe("nothing_count");
  });
});

describe("ops/grafana/slo-dashboard.json", () => {
  it("is exactly what its typed source generates (npm run ops:dashboard)", () => {
    expect(text).toBe(`${JSON.stringify(sloDashboard, null, 2)}\n`);
  });

  it("is importable: a Prometheus data source input, a stable uid, unique panel ids", () => {
    expect(dashboard.__inputs).toEqual([expect.objectContaining({ name: "DS_PROMETHEUS", type: "datasource", pluginId: "prometheus" })]);
    expect(text).toContain('"uid": "${DS_PROMETHEUS}"');
    expect(dashboard.uid).toBe("perpetua-flow-slo");
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const ids = dashboard.panels.map((panel) => panel.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("every metric every panel queries is one /metrics serves (the catalogue, histograms by family)", () => {
    const missing: string[] = [];
    for (const panel of queried) {
      const names = (panel.targets ?? []).flatMap((target) => promqlMetricNames(target.expr));
      expect(names.length, `${panel.title} queries no metric`).toBeGreaterThan(0);
      for (const name of names) {
        const family = metricFamily(name, histograms);
        if (!Object.hasOwn(METRICS, family)) missing.push(`${panel.title}: ${name}`);
        // A histogram is read through its series, never by its bare name (which Prometheus does not have).
        if (histograms.has(name)) missing.push(`${panel.title}: ${name} without _bucket/_sum/_count`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("one panel per SPEC §14 service level, each with its objective drawn and the ops/alerts.yml rule that guards it", () => {
    const levels = queried.filter((panel) => alertOf(panel) !== undefined);
    expect(levels.map(alertOf)).toEqual([
      "CrudLatencyP95High",
      "AiChatLatencyP95High",
      "WebhookProcessingSlow",
      "TaskRecoverySlow",
      "PushDeliveryDelayed",
      "ErrorRateHigh",
      "QueueMessagesDeadLettered",
      "CreditLedgerDrift",
    ]);
    const objectives = levels.map((panel) => panel.fieldConfig?.defaults.thresholds?.steps.find((step) => step.color === "red")?.value);
    expect(objectives).toEqual([0.5, 5, 30, 30, 60, 0.01, 1, 1]);
    for (const panel of levels) {
      const alert = alertOf(panel) ?? "";
      expect(panel.description, panel.title).toContain(`**${alert}** in ops/alerts.yml`);
      expect(alertRules, `${alert} is not a rule of ops/alerts.yml`).toContain(alert);
    }
  });

  it("the AI chat panel shows both first token and total", () => {
    const chat = queried.find((panel) => alertOf(panel) === "AiChatLatencyP95High");
    expect(chat?.targets?.flatMap((target) => promqlMetricNames(target.expr))).toEqual(["ai_first_token_seconds_bucket", "ai_request_duration_seconds_bucket"]);
  });
});
