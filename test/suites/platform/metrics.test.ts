import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { EVERY_MINUTE } from "../../../cron";
import { dataEnvelope, defineRoute } from "../../../src/routes/define-route";
import { MetricsRecorder } from "../../../src/services/metrics/recorder";
import { errorOf } from "../../support/factories";
import { testEnv } from "../../support/env";
import { createProbeApp, probe } from "../../support/probe-app";
import { runOnly, worker } from "../../support/scheduled";

/**
 * docs/operations.md#metrics: per-isolate deltas flushed to the MetricsAggregate shards, `/metrics` their sum.
 * Every series here carries a label unique to this run, so other files' traffic never changes what is counted.
 */
const TOKEN = "metrics-test-token";
const app = createProbeApp();
const run = `r${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
// A probe operation whose route template is unique to this run: its series are this file's alone.
const probeRoute = defineRoute({
  method: "get",
  path: `/api/v1/__probe/${run}/{n}`,
  access: "public",
  database: false,
  request: { params: z.object({ n: z.string() }) },
  responses: { 200: { description: "ok", content: { "application/json": { schema: dataEnvelope(z.object({ n: z.string() })) } } } },
});
app.openapi(probeRoute, (c) => c.json({ data: { n: c.req.valid("param").n } }, 200));

runOnly(EVERY_MINUTE, ["relay_outbox"]);

async function scrape(token: string | null = TOKEN, env: Record<string, unknown> = { METRICS_TOKEN: TOKEN }): Promise<Response> {
  return probe(app, "/api/v1/metrics", { headers: token === null ? {} : { Authorization: `Bearer ${token}` }, env });
}

async function exposition(): Promise<string> {
  const response = await scrape();
  expect(response.status).toBe(200);
  expect(response.headers.get("Content-Type")).toContain("text/plain; version=0.0.4");
  return response.text();
}

/** The value of one sample line (`name{labels} value`), 0 when the series does not exist yet. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const [series, value] = [line.slice(0, line.lastIndexOf(" ")), line.slice(line.lastIndexOf(" ") + 1)];
    const inner = series.includes("{") ? series.slice(series.indexOf("{") + 1, -1).split(/,(?=[a-z_]+=")/) : [];
    if (inner.length === wanted.length && wanted.every((pair) => inner.includes(pair))) return Number(value);
  }
  return 0;
}

describe("GET /metrics access", () => {
  it("without METRICS_TOKEN configured the endpoint does not exist (404)", async () => {
    const response = await scrape(TOKEN, { METRICS_TOKEN: "" });
    expect(await errorOf(response)).toMatchObject({ status: 404, code: "NOT_FOUND" });
  });

  it("a missing or wrong bearer → 401 with a challenge", async () => {
    for (const token of [null, "wrong", ""]) {
      const response = await scrape(token);
      expect(await errorOf(response)).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
      expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
    }
  });

  it("every metric of the catalogue is declared with HELP and TYPE", async () => {
    const text = await exposition();
    for (const [name, kind] of [
      ["http_requests_total", "counter"],
      ["http_request_duration_seconds", "histogram"],
      ["http_errors_total", "counter"],
      ["ai_request_duration_seconds", "histogram"],
      ["ai_credits_consumed_total", "counter"],
      ["webhook_processing_duration_seconds", "histogram"],
      ["push_delivery_delay_seconds", "histogram"],
      ["reminder_lateness_seconds", "histogram"],
      ["queue_messages_total", "counter"],
      ["cron_job_runs_total", "counter"],
    ]) {
      expect(text).toContain(`# TYPE ${name} ${kind}`);
    }
  });
});

describe("totals across isolates", () => {
  it("three isolates flushing at once sum exactly, counters and histograms", async () => {
    const isolates = [new MetricsRecorder(), new MetricsRecorder(), new MetricsRecorder()];
    const route = `/isolates/${run}`;
    isolates.forEach((recorder, index) => {
      for (let n = 0; n < 10 * (index + 1); n += 1) {
        recorder.count("http_requests_total", { method: "GET", route, status: "200" });
        recorder.observe("http_request_duration_seconds", { method: "GET", route, status: "200" }, 0.02 * (n % 5));
      }
    });
    // Each isolate flushes twice in parallel (a scheduled flush racing a scrape): nothing counted twice.
    await Promise.all(isolates.flatMap((recorder) => [recorder.flush(testEnv), recorder.flush(testEnv)]));
    expect(isolates.map((recorder) => recorder.size)).toEqual([0, 0, 0]);
    const text = await exposition();
    const labels = { method: "GET", route, status: "200" };
    expect(sample(text, "http_requests_total", labels)).toBe(60);
    expect(sample(text, "http_request_duration_seconds_count", labels)).toBe(60);
    expect(sample(text, "http_request_duration_seconds_bucket", { ...labels, le: "+Inf" })).toBe(60);
    // 0.00 and 0.02 land in ≤0.025, 0.04 in ≤0.05, 0.06 and 0.08 in ≤0.1: 24, 12, 24 of the 60 observations.
    expect(sample(text, "http_request_duration_seconds_bucket", { ...labels, le: "0.025" })).toBe(24);
    expect(sample(text, "http_request_duration_seconds_bucket", { ...labels, le: "0.05" })).toBe(36);
    expect(sample(text, "http_request_duration_seconds_bucket", { ...labels, le: "0.1" })).toBe(60);
    expect(sample(text, "http_request_duration_seconds_sum", labels)).toBeCloseTo(0.04 * 60, 6);
  });

  it("50 isolates' flushes in parallel: no increment lost", async () => {
    const route = `/parallel/${run}`;
    const isolates = Array.from({ length: 50 }, () => new MetricsRecorder());
    isolates.forEach((recorder) => recorder.count("http_requests_total", { method: "POST", route, status: "201" }, 7));
    await Promise.all(isolates.map((recorder) => recorder.flush(testEnv)));
    expect(sample(await exposition(), "http_requests_total", { method: "POST", route, status: "201" })).toBe(350);
  });
});

describe("request metrics", () => {
  it("the histogram is cumulative and its _count equals the requests sent, by route template", async () => {
    const sent = { ok: 23 };
    await Promise.all(Array.from({ length: sent.ok }, (_, n) => probe(app, `/api/v1/__probe/${run}/${n}`)));
    const text = await exposition();
    const labels = { method: "GET", route: `/api/v1/__probe/${run}/:n`, status: "200" };
    expect(sample(text, "http_requests_total", labels)).toBe(sent.ok);
    expect(sample(text, "http_request_duration_seconds_count", labels)).toBe(sent.ok);
    const buckets = text
      .split("\n")
      .filter((line) => line.startsWith("http_request_duration_seconds_bucket{") && line.includes(`route="${labels.route}"`))
      .map((line) => Number(line.slice(line.lastIndexOf(" ") + 1)));
    expect(buckets.length).toBe(13);
    expect(buckets.every((value, index) => index === 0 || value >= (buckets[index - 1] ?? 0))).toBe(true);
    expect(buckets.at(-1)).toBe(sent.ok);
  });

  it("no raw path or id becomes a label value; errors are counted by code", async () => {
    const before = sample(await exposition(), "http_errors_total", { code: "UNAUTHORIZED" });
    const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
    for (const id of ids) {
      await probe(app, `/api/v1/tasks/${id}`, { invalid: true });
      await probe(app, `/api/v1/no-such-thing/${id}`, { invalid: true });
    }
    const text = await exposition();
    for (const id of ids) expect(text).not.toContain(id);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i);
    expect(text).toContain('route="/api/v1/tasks/:id"');
    expect(text).toContain('route="(unmatched)"');
    expect(sample(text, "http_errors_total", { code: "UNAUTHORIZED" }) - before).toBeGreaterThanOrEqual(5);
  });
});

describe("jobs and queues", () => {
  it("a cron run is counted by job and outcome", async () => {
    const before = sample(await exposition(), "cron_job_runs_total", { job: "relay_outbox", outcome: "success" });
    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date() });
    await expect.poll(async () => sample(await exposition(), "cron_job_runs_total", { job: "relay_outbox", outcome: "success" })).toBeGreaterThan(before);
  });
});
