import { describe, expect, it } from "vitest";
import { allowedRoutes, checkLabels, histogramsOf, parseExposition, type LabelLimits } from "../../load/metrics-labels.ts";
import { matchTemplate, operationName, routeTemplatesOf } from "../../load/route-templates.ts";
import { renderPrometheus } from "../../src/services/metrics/render.ts";
import { emptyDelta, seriesKey, type SeriesDelta } from "../../src/services/metrics/series.ts";

/**
 * The bench's metric label check (load/metrics-labels.ts) on expositions written by the Worker's own renderer,
 * and the route template matching it and the per-operation figures share (load/route-templates.ts).
 */
function exposition(...deltas: SeriesDelta[]): string {
  return renderPrometheus(new Map(deltas.map((delta) => [seriesKey(delta.name, delta.labels), delta])));
}

function request(method: string, route: string, status: string): SeriesDelta {
  const delta = emptyDelta("http_request_duration_seconds", [method, route, status]);
  delta.count = 1;
  delta.sum = 0.2;
  delta.buckets[5] = 1;
  return delta;
}

function counted(method: string, route: string, status: string): SeriesDelta {
  const delta = emptyDelta("http_requests_total", [method, route, status]);
  delta.count = 3;
  return delta;
}

const limits: LabelLimits = { routes: allowedRoutes(), maxValuesPerLabel: 5, maxSeriesPerMetric: 50 };
const check = (text: string) => checkLabels(parseExposition(text), histogramsOf(text), limits);

describe("parseExposition", () => {
  it("reads names, labels (with escapes) and values, skipping comments", () => {
    const series = parseExposition('# HELP x y\n# TYPE x counter\nx{a="1",b="say \\"hi\\"\\\\ \\n"} 2.5\nplain 7\n');
    expect(series).toEqual([
      { name: "x", labels: { a: "1", b: 'say "hi"\\ \n' }, value: 2.5 },
      { name: "plain", labels: {}, value: 7 },
    ]);
  });

  it("refuses a line that is not a sample", () => {
    expect(() => parseExposition('x{a="1" 2\n')).toThrow(/line 1/);
  });
});

describe("checkLabels", () => {
  it("passes route templates, statuses and histogram bounds", () => {
    const report = check(exposition(request("GET", "/api/v1/tasks/:id", "200"), counted("POST", "/api/v1/tasks", "201"), counted("GET", "(unmatched)", "404")));
    expect(report.violations).toEqual([]);
    expect(report.distinctValues["http_request_duration_seconds.route"]).toBe(1);
    expect(report.distinctValues["http_request_duration_seconds.le"]).toBeUndefined();
  });

  it("flags a UUID, a raw path and an id-like value", () => {
    const text =
      exposition(counted("GET", "/api/v1/tasks/3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b", "200"), counted("GET", "/api/v1/tasks/12345", "200")) +
      'cron_job_runs_total{job="user-20261203123456",outcome="success"} 1\nqueue_messages_total{queue="/tmp/x",outcome="acked"} 1\n';
    const violations = check(text).violations;
    expect(violations).toContainEqual(expect.stringMatching(/tasks\/3f0a.*a UUID/));
    expect(violations).toContainEqual(expect.stringMatching(/tasks\/12345.*not a route template/));
    expect(violations).toContainEqual(expect.stringMatching(/job="user-20261203123456".*id-like/));
    expect(violations).toContainEqual(expect.stringMatching(/queue="\/tmp\/x".*a path in a label other than route/));
  });

  it("flags unbounded cardinality: distinct values per label and series per metric", () => {
    const codes = Array.from({ length: 6 }, (_, n) => `http_errors_total{code="CODE_${String.fromCharCode(65 + n)}"} 1`).join("\n");
    expect(check(`${codes}\n`).violations).toEqual(["http_errors_total.code: 6 distinct values (at most 5)"]);
    const many = Array.from({ length: 51 }, (_, n) => `x{a="v${n % 5}",b="w${Math.floor(n / 5)}"} 1`).join("\n");
    expect(check(`${many}\n`).violations).toContainEqual("x: 51 series (at most 50)");
  });
});

describe("route templates", () => {
  const templates = routeTemplatesOf({
    paths: { "/api/v1/tasks/{id}": { get: {}, patch: {} }, "/api/v1/tasks/{id}/complete": { post: {} }, "/api/v1/templates/{id}/{action}": { post: {} }, "/api/v1/templates/{id}/skip": { post: {}, parameters: [] } },
  });

  it("matches method and path without the query, literal segments first", () => {
    expect(matchTemplate(templates, "patch", "/api/v1/tasks/abc?x=1")?.honoPath).toBe("/api/v1/tasks/:id");
    expect(matchTemplate(templates, "POST", "/api/v1/templates/abc/skip")?.path).toBe("/api/v1/templates/{id}/skip");
    expect(matchTemplate(templates, "POST", "/api/v1/templates/abc/pause")?.path).toBe("/api/v1/templates/{id}/{action}");
    expect(matchTemplate(templates, "DELETE", "/api/v1/tasks/abc")).toBeUndefined();
    expect(matchTemplate(templates, "GET", "/api/v1/tasks/")).toBeUndefined();
  });

  it("names a bench request by the committed contract's template", () => {
    expect(operationName("POST", "/api/v1/tasks/3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b/complete")).toBe("POST /api/v1/tasks/{id}/complete");
    expect(operationName("GET", "/api/v1/tasks?completed=true")).toBe("GET /api/v1/tasks");
    expect(operationName("GET", "/nowhere")).toBe("GET (no template)");
  });
});
