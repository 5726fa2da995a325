import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { TAG_NAME_MAX } from "../../src/db/schema/tags.ts";
import { conformanceReport } from "../conformance/collector.ts";
import { ContractValidator, type OpenApiDocument } from "../conformance/validator.ts";
import type { ContractObservation } from "../support/contract-observation.ts";

/**
 * The committed document as a validating client sees it (issue 18), and the conformance layer's own checks.
 * The Worker's tests feed every request through the same validator (test/support/contract.ts).
 */
const document = JSON.parse(readFileSync(new URL("../../contracts/openapi.json", import.meta.url), "utf8")) as OpenApiDocument;
const validator = new ContractValidator(document);

const ID = "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b";
const NOW = "2026-03-01T09:00:00.000Z";
const task = {
  id: ID,
  title: "A task",
  description: "",
  priority: "medium",
  due_date: null,
  estimated_duration: null,
  tags: ["work"],
  focus_time_seconds: 0,
  completed: true,
  completed_at: NOW,
  completed_by: "manual",
  hidden: false,
  archived: false,
  template_id: null,
  occurrence_at: null,
  subtask_count: 0,
  subtasks_completed: 0,
  version: 2,
  created_at: NOW,
  updated_at: NOW,
};
const json = { "content-type": "application/json" };
const bearer = { authorization: "Bearer token" };
const unauthorized = JSON.stringify({ error: { code: "UNAUTHORIZED", message: "Authentication is required.", request_id: "r1" } });

function observe(
  method: string,
  path: string,
  request: { headers?: Record<string, string>; body?: unknown } = {},
  response: { status?: number; headers?: Record<string, string>; body?: unknown } = {},
  mode: ContractObservation["mode"] = "full",
) {
  return validator.check({
    mode,
    test: "conformance",
    request: {
      method,
      url: `https://api.perpetua.test${path}`,
      headers: { ...(request.body === undefined ? {} : json), ...request.headers },
      body: request.body === undefined ? "" : JSON.stringify(request.body),
    },
    response: {
      status: response.status ?? 200,
      headers: { ...json, ...response.headers },
      body: typeof response.body === "string" ? response.body : JSON.stringify(response.body ?? {}),
    },
  }).violations;
}

describe("the published contract holds for a validating client (issue 18)", () => {
  for (const action of ["complete", "reopen"]) {
    it(`POST /tasks/{id}/${action}: next_instance may be null`, () => {
      const body = { data: { task, unlocked_achievements: [], next_instance: null } };
      expect(observe("POST", `/api/v1/tasks/${ID}/${action}`, { headers: { ...bearer, "idempotency-key": "k1" } }, { body })).toEqual([]);
    });
  }

  it("POST /tasks accepts an ordinary tag (the tag pattern is a real regex, no leaked flags)", () => {
    const request = { headers: { ...bearer, "idempotency-key": "k2" }, body: { title: "A task", tags: ["work", "Q1 planning", "höhe"] } };
    expect(observe("POST", "/api/v1/tasks", request, { status: 401, body: unauthorized })).toEqual([]);
  });

  it("documents the tag length the server enforces", () => {
    const request = { headers: { ...bearer, "idempotency-key": "k3" }, body: { title: "A task", tags: ["x".repeat(TAG_NAME_MAX + 1)] } };
    expect(observe("POST", "/api/v1/tasks", request, { status: 401, body: unauthorized }).join("\n")).toMatch(/maxLength|must NOT have more than/);
  });

  // Webhooks are the provider's calls, deduplicated by its event id (docs/billing.md), not by our header.
  it("requires Idempotency-Key on every POST and PATCH under /api/v1 outside /auth and /webhooks", () => {
    const exempt = (path: string) => path.startsWith("/api/v1/auth/") || path.startsWith("/api/v1/webhooks/");
    const writes = Object.entries(document.paths).flatMap(([path, item]) =>
      (["post", "patch"] as const).flatMap((method) => (item[method] === undefined || exempt(path) ? [] : [{ path, method, operation: item[method] }])),
    );
    expect(writes.length).toBeGreaterThan(5);
    for (const { path, method, operation } of writes) {
      const header = operation?.parameters?.find((parameter) => parameter.in === "header" && parameter.name.toLowerCase() === "idempotency-key");
      expect({ path, method, required: header?.required }).toEqual({ path, method, required: true });
    }
    expect(observe("POST", "/api/v1/tasks", { headers: bearer, body: { title: "A task" } }, { status: 401, body: unauthorized }).join("\n")).toMatch(
      /"idempotency-key" is missing/,
    );
  });
});

describe("the conformance layer", () => {
  it("accepts a conforming exchange", () => {
    expect(observe("GET", "/api/v1/tasks?limit=5&completed=false&priority=low&priority=high", { headers: bearer }, { body: { data: [task], next_cursor: null } })).toEqual([]);
  });

  it("fails an undocumented status", () => {
    expect(observe("GET", "/api/v1/users/me", { headers: bearer }, { status: 418, body: {} }).join("\n")).toMatch(/status 418 is not documented/);
  });

  it("fails a response body that does not match", () => {
    const { title: _title, ...renamed } = task;
    const violations = observe("GET", "/api/v1/tasks", { headers: bearer }, { body: { data: [{ ...renamed, name: "A task" }], next_cursor: null } });
    expect(violations.join("\n")).toMatch(/response 200: body does not match the document: .*title/);
  });

  it("fails a missing required response header", () => {
    const body = { data: { access_token: "a", refresh_token: "r", token_type: "Bearer", expires_in: 900 } };
    expect(observe("POST", "/api/v1/auth/refresh", { body: { refresh_token: "r" } }, { body }).join("\n")).toMatch(/required response header Cache-Control is missing/);
  });

  it("fails a documented request the server refuses as invalid", () => {
    const refused = JSON.stringify({ error: { code: "VALIDATION_ERROR", message: "Invalid request.", request_id: "r2" } });
    const request = { headers: { ...bearer, "idempotency-key": "k4" }, body: { title: "A task" } };
    expect(observe("POST", "/api/v1/tasks", request, { status: 400, body: refused }).join("\n")).toMatch(/refused a request the document allows/);
  });

  it("fails an invalid request unless it is marked invalid on purpose, and then checks only the response", () => {
    const request = { headers: { ...bearer, "idempotency-key": "k5" }, body: { title: 42 } };
    const refused = JSON.stringify({ error: { code: "VALIDATION_ERROR", message: "Invalid request.", request_id: "r3" } });
    expect(observe("POST", "/api/v1/tasks", request, { status: 400, body: refused }).join("\n")).toMatch(/request: request body does not match/);
    expect(observe("POST", "/api/v1/tasks", request, { status: 400, body: refused }, "response-only")).toEqual([]);
    expect(observe("POST", "/api/v1/tasks", request, { status: 418, body: refused }, "response-only").join("\n")).toMatch(/status 418/);
  });

  it("fails a call without the documented bearer credentials, and an undocumented operation", () => {
    expect(observe("GET", "/api/v1/users/me", {}, { status: 401, body: unauthorized }).join("\n")).toMatch(/requires `Authorization: Bearer/);
    expect(observe("GET", "/api/v1/nothing-here", {}, { status: 404, body: {} }).join("\n")).toMatch(/not a documented operation/);
    expect(observe("GET", "/api/v1/nothing-here", {}, { status: 404, body: {} }, "response-only")).toEqual([]);
  });

  it("fails a 429 without Retry-After (documented as required on every rate-limited operation)", () => {
    const limited = JSON.stringify({ error: { code: "RATE_LIMITED", message: "Too many requests.", request_id: "r4" } });
    expect(observe("GET", "/api/v1/tags", { headers: bearer }, { status: 429, body: limited }).join("\n")).toMatch(/required response header Retry-After is missing/);
    expect(observe("GET", "/api/v1/tags", { headers: bearer }, { status: 429, headers: { "retry-after": "17" }, body: limited })).toEqual([]);
  });

  it("lists every documented operation", () => {
    expect(validator.operations).toContain("POST /api/v1/tasks/{id}/complete");
    expect(validator.operations.length).toBe(Object.values(document.paths).flatMap((item) => Object.keys(item)).length);
  });

  it("fails the run on a violation, and on an unexercised operation when the whole suite ran", () => {
    const tally = { documented: ["GET /a", "GET /b"], exercised: new Map([["GET /a", 3]]), validated: 3, requestsValidated: 3, responseOnly: 0, outside: 0, violations: [] };
    const full = conformanceReport(tally, { requireEveryOperation: true });
    expect(full.ok).toBe(false);
    expect(full.lines).toContain("  UNEXERCISED GET /b");
    expect(conformanceReport(tally, { requireEveryOperation: false }).ok).toBe(true);
    const violated = { ...tally, exercised: new Map([["GET /a", 1], ["GET /b", 1]]), violations: [{ test: "t", operation: "GET /a", message: "response 418: …" }] };
    expect(conformanceReport(violated, { requireEveryOperation: true }).ok).toBe(false);
  });
});
