import { describe, expect, it } from "vitest";
import dashboard from "../../../ops/grafana/slo-dashboard.json";
import { isMetricName, METRICS } from "../../../src/services/metrics/catalogue";
import { declaredMetrics } from "../../support/metrics";
import { createProbeApp, probe } from "../../support/probe-app";
import { metricFamily, promqlMetricNames } from "../../support/promql";

/**
 * docs/operations.md "SLO dashboard": every metric the dashboard's panels query is declared by the running
 * Worker's `GET /metrics` (its `# TYPE` line, there before the first sample). The dashboard's schema, objectives
 * and alert rules: test/node/slo-dashboard.test.ts.
 */
const TOKEN = "slo-dashboard-test-token";

describe("the SLO dashboard against a live /metrics", () => {
  it("every family a panel queries is served, with its catalogue type", async () => {
    const response = await probe(createProbeApp(), "/api/v1/metrics", { headers: { Authorization: `Bearer ${TOKEN}` }, env: { METRICS_TOKEN: TOKEN } });
    expect(response.status).toBe(200);
    const served = declaredMetrics(await response.text());
    const histograms = new Set([...served].filter(([, kind]) => kind === "histogram").map(([name]) => name));
    const expressions = dashboard.panels.flatMap((panel) => ("targets" in panel ? (panel.targets ?? []).map((target) => target.expr) : []));
    expect(expressions.length).toBeGreaterThanOrEqual(9);
    const families = new Set(expressions.flatMap((expr) => promqlMetricNames(expr)).map((name) => metricFamily(name, histograms)));
    for (const family of families) {
      expect(served.get(family), `${family} is not served by /metrics`).toBe(isMetricName(family) ? METRICS[family].kind : "(not in the catalogue)");
    }
  });
});
