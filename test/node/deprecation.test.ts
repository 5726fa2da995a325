import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../../src/openapi-document.ts";
import { assertValidDeprecation, deprecationHeaders, deprecationProblem, MINIMUM_NOTICE_DAYS } from "../../src/lib/deprecation.ts";
import { registeredRouteFlags } from "../../src/middleware/route-flags.ts";
import { defineRoute } from "../../src/routes/define-route.ts";

/**
 * docs/deprecation.md: the notice rule (≥ 90 days between since and sunset) as a pure check, the header values,
 * and every operation the application registers. The headers on real responses, the counter and the OpenAPI
 * flag in workerd: test/suites/platform/deprecation.test.ts.
 */
const successor = "/api/v2/tasks";

describe("the notice rule", () => {
  it("a sunset 30 days after since fails with a message naming the operation and both dates", () => {
    expect(() => assertValidDeprecation("GET /tasks", { since: "2026-03-01", sunset: "2026-03-31", successor })).toThrow(
      "GET /tasks: invalid deprecation (since 2026-03-01, sunset 2026-03-31): the sunset is 30 days after since; deprecations give at least 90 days' notice",
    );
  });

  it("89 days is refused, exactly 90 and more are accepted", () => {
    expect(MINIMUM_NOTICE_DAYS).toBe(90);
    expect(deprecationProblem({ since: "2026-03-01", sunset: "2026-05-29", successor })).toMatch(/89 days after since/);
    expect(deprecationProblem({ since: "2026-03-01", sunset: "2026-05-30", successor })).toBeUndefined();
    expect(deprecationProblem({ since: "2026-03-01", sunset: "2027-03-01", successor })).toBeUndefined();
  });

  it("a sunset before since is refused", () => {
    expect(deprecationProblem({ since: "2026-06-01", sunset: "2026-03-01", successor })).toMatch(/-92 days after since/);
  });

  it("dates must be real calendar days", () => {
    for (const since of ["2026-02-30", "2026-3-01", "2026-03-01T00:00:00Z", "March 1st", ""]) {
      expect(deprecationProblem({ since, sunset: "2027-01-01", successor })).toMatch(/since .* is not a calendar day/);
    }
    expect(deprecationProblem({ since: "2026-01-01", sunset: "2026-13-01", successor })).toMatch(/sunset .* is not a calendar day/);
  });

  it("the successor is an absolute path or an http(s) URL that cannot break the Link header", () => {
    const dates = { since: "2026-01-01", sunset: "2026-06-01" };
    for (const ok of ["/api/v2/tasks", "/api/v2/tasks/{id}", "https://docs.perpetua.test/migrate#tasks"]) {
      expect(deprecationProblem({ ...dates, successor: ok })).toBeUndefined();
    }
    for (const bad of ["api/v2/tasks", "//evil.test/x", "javascript:alert(1)", "/a b", "/a>; rel=x", '/a"', "/ä", ""]) {
      expect(deprecationProblem({ ...dates, successor: bad })).toMatch(/successor .* is neither/);
    }
  });

  it("defineRoute refuses a declaration that breaks the rule, at definition time", () => {
    expect(() =>
      defineRoute({
        method: "get",
        path: "/__node/short-notice",
        access: "public",
        database: false,
        deprecated: { since: "2026-03-01", sunset: "2026-03-31", successor },
        responses: { 200: { description: "ok" } },
      }),
    ).toThrow(/^GET \/__node\/short-notice: invalid deprecation \(since 2026-03-01, sunset 2026-03-31\)/);
  });
});

describe("the header values", () => {
  it("Deprecation is @<epoch seconds of since> (RFC 9745), Sunset an IMF-fixdate (RFC 8594), Link the successor (RFC 8288)", () => {
    expect(deprecationHeaders({ since: "2026-03-01", sunset: "2026-07-01", successor })).toEqual({
      Deprecation: `@${Date.UTC(2026, 2, 1) / 1000}`,
      Sunset: "Wed, 01 Jul 2026 00:00:00 GMT",
      Link: '</api/v2/tasks>; rel="successor-version"',
    });
    expect(deprecationHeaders({ since: "2026-03-01", sunset: "2026-07-01", successor }).Deprecation).toBe("@1772323200");
  });
});

// Every resource mounted (the way GET /openapi.json builds it), so each operation has registered its flags.
const document = await buildOpenApiDocument();

describe("every registered operation", () => {
  const flags = [...registeredRouteFlags()];

  it("has a valid deprecation, if it declares one", () => {
    expect(flags.length).toBeGreaterThan(50);
    for (const [operation, { deprecated }] of flags) {
      if (deprecated === undefined) continue;
      expect(deprecationProblem(deprecated), operation).toBeUndefined();
    }
  });

  it("is deprecated in the OpenAPI document exactly when its flags say so (none of the product's is today)", () => {
    const flagged = new Set(flags.filter(([, f]) => f.deprecated !== undefined).map(([operation]) => operation));
    const marked = new Set<string>();
    for (const [path, item] of Object.entries(document.paths ?? {})) {
      for (const [method, operation] of Object.entries(item)) {
        if (typeof operation === "object" && operation !== null && "deprecated" in operation && operation.deprecated === true) {
          marked.add(`${method.toUpperCase()} ${path.replace(/^\/api\/v1/, "").replace(/\{(\w+)\}/g, ":$1")}`);
        }
      }
    }
    // Flags of operations registered only by other tests in this file (the short-notice one threw first) aside.
    const product = new Set([...flagged].filter((operation) => !operation.includes("/__node/")));
    expect(marked).toEqual(product);
    expect(marked.size).toBe(0);
  });
});
