import { z } from "@hono/zod-openapi";
import { describe, expect, it } from "vitest";
import { openApiInfo } from "../../../src/app";
import { dataEnvelope, defineRoute } from "../../../src/routes/define-route";
import { runWrite } from "../../../src/services/unit-of-work";
import { authHeaders, signIn } from "../../support/auth";
import { errorOf } from "../../support/factories";
import { createProbeApp, probe } from "../../support/probe-app";
import { metricSample } from "../../support/metrics";

/**
 * docs/deprecation.md in workerd: no product operation is retired yet, so test-only operations (routes under
 * /api/v1/__probe/, unique to this run so the counter's series are this file's alone) are declared deprecated
 * and go through the real middleware chain. The pure rule and the check over all routes: test/node/deprecation.test.ts.
 */
const TOKEN = "deprecation-test-token";
const run = `d${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const deprecated = { since: "2026-03-01", sunset: "2026-07-01", successor: "/api/v2/widgets" } as const;
const expected = {
  Deprecation: `@${Date.UTC(2026, 2, 1) / 1000}`,
  Sunset: "Wed, 01 Jul 2026 00:00:00 GMT",
  Link: '</api/v2/widgets>; rel="successor-version"',
};

const app = createProbeApp();
const widget = defineRoute({
  method: "get",
  path: `/api/v1/__probe/${run}/widgets/{n}`,
  summary: "A retired widget",
  description: "Reads a widget.",
  access: "public",
  database: false,
  deprecated,
  request: { params: z.object({ n: z.string().regex(/^\d+$/) }) },
  responses: { 200: { description: "ok", content: { "application/json": { schema: dataEnvelope(z.object({ n: z.string() })) } } } },
});
app.openapi(widget, (c) => c.json({ data: { n: c.req.valid("param").n } }, 200));
// A user operation (access token, Idempotency-Key): its 401 and its replay are answered by middleware.
const order = defineRoute({
  method: "post",
  path: `/api/v1/__probe/${run}/orders`,
  deprecated,
  request: { body: { content: { "application/json": { schema: z.strictObject({ item: z.string() }) } } } },
  responses: { 201: { description: "created", content: { "application/json": { schema: dataEnvelope(z.object({ id: z.string() })) } } } },
});
// A write with no statements of its own: the unit of work still checks and records the Idempotency-Key.
app.openapi(order, async (c) => {
  const value = await runWrite(c.get("services"), { operation: "probe.order", status: 201 }, async () => ({ id: crypto.randomUUID() }));
  return c.json({ data: value }, 201);
});
const current = defineRoute({
  method: "get",
  path: `/api/v1/__probe/${run}/current`,
  access: "public",
  database: false,
  responses: { 200: { description: "ok" } },
});
app.openapi(current, (c) => c.body(null, 200));

function expectDeprecationHeaders(response: Response): void {
  expect(response.headers.get("Deprecation")).toBe(expected.Deprecation);
  expect(response.headers.get("Sunset")).toBe(expected.Sunset);
  expect(response.headers.get("Link")).toBe(expected.Link);
}

async function deprecatedCount(route: string, method: string): Promise<number> {
  const response = await probe(app, "/api/v1/metrics", { headers: { Authorization: `Bearer ${TOKEN}` }, env: { METRICS_TOKEN: TOKEN } });
  expect(response.status).toBe(200);
  return metricSample(await response.text(), "http_deprecated_requests_total", { method, route });
}

describe("a deprecated operation's responses", () => {
  it("a success carries Deprecation (@epoch, RFC 9745), Sunset (IMF-fixdate, RFC 8594) and Link rel=successor-version (RFC 8288)", async () => {
    const response = await probe(app, `/api/v1/__probe/${run}/widgets/7`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ data: { n: "7" } });
    expectDeprecationHeaders(response);
    expect(response.headers.get("Deprecation")).toBe("@1772323200");
  });

  it("an error from the operation's own validation carries them too", async () => {
    const response = await probe(app, `/api/v1/__probe/${run}/widgets/seven`);
    expect(await errorOf(response)).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    expectDeprecationHeaders(response);
  });

  it("answers of earlier middleware carry them: 401 without a token, 400 without Idempotency-Key, and an idempotent replay", async () => {
    const path = `/api/v1/__probe/${run}/orders`;
    const body = JSON.stringify({ item: "x" });
    const json = { "Content-Type": "application/json" };
    const unauthenticated = await probe(app, path, { method: "POST", headers: { ...json, "Idempotency-Key": "k" }, body });
    expect(await errorOf(unauthenticated)).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    expectDeprecationHeaders(unauthenticated);

    const { accessToken } = await signIn();
    const noKey = await probe(app, path, { method: "POST", headers: authHeaders(accessToken, json), body });
    expect(await errorOf(noKey)).toMatchObject({ status: 400, code: "IDEMPOTENCY_KEY_REQUIRED" });
    expectDeprecationHeaders(noKey);

    const headers = authHeaders(accessToken, { ...json, "Idempotency-Key": `order-${run}` });
    const first = await probe(app, path, { method: "POST", headers, body });
    expect(first.status).toBe(201);
    expectDeprecationHeaders(first);
    const replay = await probe(app, path, { method: "POST", headers, body });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.json()).toEqual(await first.json());
    expectDeprecationHeaders(replay);
  });

  it("browsers may read them (CORS exposes the three names)", async () => {
    const response = await probe(app, `/api/v1/__probe/${run}/widgets/1`, { headers: { Origin: "https://app.perpetua.test" } });
    expect(response.headers.get("Access-Control-Allow-Origin")).toBe("https://app.perpetua.test");
    const exposed = (response.headers.get("Access-Control-Expose-Headers") ?? "").split(",").map((name) => name.trim().toLowerCase());
    expect(exposed).toEqual(expect.arrayContaining(["deprecation", "sunset", "link"]));
    expectDeprecationHeaders(response);
  });

  it("an operation that is not deprecated, and a path that matched none, carry none of them", async () => {
    for (const path of [`/api/v1/__probe/${run}/current`, `/api/v1/__probe/${run}/nothing-here`]) {
      const response = await probe(app, path);
      expect(response.headers.get("Deprecation"), path).toBeNull();
      expect(response.headers.get("Sunset"), path).toBeNull();
      expect(response.headers.get("Link"), path).toBeNull();
    }
  });
});

describe("who still calls it", () => {
  it("http_deprecated_requests_total counts every response by method and route template, in parallel, errors included", async () => {
    const route = `/api/v1/__probe/${run}/widgets/:n`;
    const before = await deprecatedCount(route, "GET");
    const paths = Array.from({ length: 12 }, (_, n) => `/api/v1/__probe/${run}/widgets/${n % 4 === 0 ? "bad" : n}`);
    const responses = await Promise.all(paths.map((path) => probe(app, path)));
    expect(responses.filter((response) => response.status === 400)).toHaveLength(3);
    expect((await deprecatedCount(route, "GET")) - before).toBe(12);
    // The operation that is not deprecated has no series.
    await probe(app, `/api/v1/__probe/${run}/current`);
    expect(await deprecatedCount(`/api/v1/__probe/${run}/current`, "GET")).toBe(0);
  });
});

describe("the OpenAPI document", () => {
  it("marks the operation deprecated: true and ends its description with the sunset date", () => {
    const document = app.getOpenAPI31Document(openApiInfo);
    const operation = document.paths?.[`/api/v1/__probe/${run}/widgets/{n}`]?.get;
    expect(operation?.deprecated).toBe(true);
    expect(operation?.description).toMatch(/^Reads a widget\.\n\n\*\*Deprecated\*\* since 2026-03-01; sunset 2026-07-01 /);
    expect(operation?.description).toContain("`/api/v2/widgets`");
    const post = document.paths?.[`/api/v1/__probe/${run}/orders`]?.post;
    expect(post?.deprecated).toBe(true);
    expect(post?.description).toMatch(/^\*\*Deprecated\*\* since 2026-03-01; sunset 2026-07-01/);
    expect(document.paths?.[`/api/v1/__probe/${run}/current`]?.get?.deprecated).toBeUndefined();
  });
});
