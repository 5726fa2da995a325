import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { call } from "../../support/requests";
import { errorOf, newClient, seedOpenTasks } from "../../support/factories";
import { createTemplate, pinned } from "./support";

const SOME_ID = "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b";
const WEEKLY = { rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin", starts_at: "2026-03-01T00:00:00Z" };
const NOW = "2026-03-20T10:00:00Z";

const OPERATIONS: [string, string][] = [
  ["GET", "/templates"],
  ["POST", "/templates"],
  ["GET", `/templates/${SOME_ID}`],
  ["PATCH", `/templates/${SOME_ID}`],
  ["DELETE", `/templates/${SOME_ID}`],
  ["GET", `/templates/${SOME_ID}/instances`],
  ["GET", `/templates/${SOME_ID}/occurrences`],
  ["POST", `/templates/${SOME_ID}/skip`],
  ["POST", `/templates/${SOME_ID}/pause`],
  ["POST", `/templates/${SOME_ID}/resume`],
];

describe("templates – limits (docs/recurring.md \"Limits\")", () => {
  it("free: 5 parallel creates against FREE_MAX_TEMPLATES = 3 → exactly 3", async () => {
    const client = await pinned(await newClient(), NOW);
    const responses = await Promise.all(Array.from({ length: 5 }, (_, i) => client.request("POST", "/templates", { body: { title: `T${i}`, ...WEEKLY } })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 201, 201, 409, 409]);
    for (const response of responses.filter((r) => r.status === 409)) {
      expect(await errorOf(response)).toMatchObject({ code: "LIMIT_EXCEEDED", details: { limit: 3, current: 3 } });
    }
    for (const response of responses.filter((r) => r.status === 201)) await response.body?.cancel();
  });

  it("each template counts as an active task: 48 open tasks + 3 parallel creates against 50 → exactly 2", async () => {
    const client = await pinned(await newClient(), NOW);
    await seedOpenTasks(client.userId, 48);
    const responses = await Promise.all(Array.from({ length: 3 }, (_, i) => client.request("POST", "/templates", { body: { title: `T${i}`, ...WEEKLY } })));
    expect(responses.map((response) => response.status).sort()).toEqual([201, 201, 409]);
    const refused = responses.find((response) => response.status === 409);
    expect(refused && (await errorOf(refused))).toMatchObject({ code: "LIMIT_EXCEEDED", details: { limit: 50, current: 50 } });
    // A pending template (its instance on its way) already counts: a plain task is refused too.
    expect((await errorOf(await client.request("POST", "/tasks", { body: { title: "One more" } }))).code).toBe("LIMIT_EXCEEDED");
    for (const response of responses.filter((r) => r.status === 201)) await response.body?.cancel();
  });

  it("Pro: no template limit", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    for (let i = 0; i < 4; i += 1) await createTemplate(client, WEEKLY);
  });
});

describe("templates – security", () => {
  it("every operation without a token → 401", async () => {
    for (const [method, path] of OPERATIONS) {
      const response = await call(`/api/v1${path}`, { method, headers: { "Idempotency-Key": crypto.randomUUID() }, invalid: true });
      expect(response.status, `${method} ${path}`).toBe(401);
      await response.body?.cancel();
    }
  });

  it("another user's template → 404 everywhere", async () => {
    const owner = await pinned(await newClient({ tier: "pro" }), NOW);
    const template = await createTemplate(owner, WEEKLY);
    const other = await pinned(await newClient({ tier: "pro" }), NOW);
    for (const [method, path] of OPERATIONS.slice(2)) {
      const response = await other.request(method, path.replace(SOME_ID, template.id), method === "PATCH" ? { body: { title: "Mine now", version: 1 } } : {});
      expect((await errorOf(response)).status, `${method} ${path}`).toBe(404);
    }
  });

  it.each([
    ["a 100 KB rule", { rrule: `FREQ=DAILY;${"BYHOUR=1;".repeat(12_000)}` }, "rrule"],
    ["COUNT of 10⁹ in the rule", { rrule: "FREQ=DAILY;COUNT=1000000000" }, "count"],
    ["COUNT of 10⁹ as a field", { count: 1_000_000_000 }, "count"],
    ["a zone like ../../etc", { timezone: "../../etc" }, "timezone"],
    ["an unknown zone", { timezone: "Mars/Olympus_Mons" }, "timezone"],
    ["a minutely rule", { rrule: "FREQ=MINUTELY" }, "rrule"],
    ["a rule that never occurs", { rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" }, "rrule"],
  ])("%s → 400 VALIDATION_ERROR naming the field", async (_name, change, field) => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const error = await errorOf(await client.request("POST", "/templates", { body: { title: "Bad", ...WEEKLY, ...change }, invalid: true }));
    expect(error.status).toBe(400);
    expect(error.code).toBe("VALIDATION_ERROR");
    expect(JSON.stringify(error.details)).toContain(field);
  });

  it("property: any create body is 201, 400 VALIDATION_ERROR or 409 – never 500", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const parts = fc.constantFrom("FREQ=DAILY", "FREQ=WEEKLY", "FREQ=HOURLY", "FREQ=MINUTELY", "BYDAY=MO,ZZ", "BYHOUR=25", "BYMINUTE=0,30", "COUNT=5", "COUNT=0", "UNTIL=20260101", "INTERVAL=0", "BYSETPOS=-1", "X=1", ";", "=");
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            title: fc.oneof(fc.string(), fc.constant("ok")),
            rrule: fc.oneof(fc.array(parts, { maxLength: 6 }).map((list) => list.join(";")), fc.string(), fc.integer()),
            timezone: fc.oneof(fc.constantFrom("Europe/Berlin", "UTC", "../../etc", "Etc/GMT+5", ""), fc.string()),
            starts_at: fc.oneof(fc.constant("2026-03-01T00:00:00Z"), fc.string(), fc.date({ noInvalidDate: true }).map((d) => d.toISOString())),
            count: fc.oneof(fc.integer(), fc.constant(null)),
          },
          { requiredKeys: [] },
        ),
        async (body) => {
          const response = await client.request("POST", "/templates", { body, invalid: true });
          const text = await response.text();
          expect([201, 400, 409], text).toContain(response.status);
          if (response.status === 400) expect(JSON.parse(text).error.code).toBe("VALIDATION_ERROR");
        },
      ),
      { numRuns: 40 },
    );
  });
});
