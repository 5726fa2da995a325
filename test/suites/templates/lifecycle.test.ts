import { describe, expect, it } from "vitest";
import { runOnly, worker } from "../../support/scheduled";
import { EVERY_MINUTE } from "../../../cron";
import { dbRows, errorOf, expectData, newClient, sql, type TestClient } from "../../support/factories";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { instanceId } from "../../../src/services/recurring/instance-id";
import { createTemplate, pinned, waitForTask, type NextInstanceJson, type TemplateJson } from "./support";

/** Skip, pause, resume, PATCH, DELETE, history and the occurrence preview (docs/recurring.md). */

const WEEKLY = { rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin", starts_at: "2026-03-01T00:00:00Z" };
const NOW = "2026-03-20T10:00:00Z";

async function withFirstInstance(client: TestClient) {
  const template = await createTemplate(client, WEEKLY);
  const first = await waitForTask(client, template.open_instance_id ?? "");
  return { template, first };
}

const history = async (client: TestClient, id: string) =>
  (await expectData<{ id: string; status: string; occurrence_at: string }[]>(await client.request("GET", `/templates/${id}/instances`))).map((entry) => [entry.occurrence_at, entry.status, entry.id]);

const openInstances = (templateId: string) =>
  dbRows<{ n: number }>(sql`select count(*)::int as n from task_instances where template_id = ${templateId} and not completed and not archived`);

describe("templates: skip, pause, resume", () => {
  it("skip closes the open instance as skipped and generates the one after it", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const { template, first } = await withFirstInstance(client);
    const skipped = await expectData<TemplateJson>(await client.request("POST", `/templates/${template.id}/skip`));
    const secondId = await instanceId(template.id, "2026-03-30T07:00:00.000Z");
    expect(skipped).toMatchObject({ open_instance_id: secondId, next_occurrence_at: "2026-03-30T07:00:00.000Z", version: 2 });
    const second = await waitForTask(client, secondId);
    expect(second.occurrence_at).toBe("2026-03-30T07:00:00.000Z");
    expect(await history(client, template.id)).toEqual([
      ["2026-03-30T07:00:00.000Z", "open", secondId],
      ["2026-03-23T08:00:00.000Z", "skipped", first.id],
    ]);
    // The skipped instance is an ordinary task: its history says so. (The consumer's entry carries the real
    // clock, the pinned requests' ones their pinned time, so the order is not asserted.)
    const entries = await expectData<{ action: string; changes: Record<string, { from: unknown; to: unknown }> }[]>(await client.request("GET", `/tasks/${first.id}/history`));
    const byAction = Object.fromEntries(entries.map((entry) => [entry.action, entry.changes]));
    expect(Object.keys(byAction).sort()).toEqual(["created", "updated"]);
    expect(byAction.updated).toEqual({ archived: { from: false, to: true }, skipped_at: { from: null, to: "2026-03-20T10:00:00.000Z" } });
    expect(byAction.created).toMatchObject({ template_id: { from: null, to: template.id }, occurrence_at: { from: null, to: "2026-03-23T08:00:00.000Z" } });
  });

  it("pause stops generation (a completion schedules nothing); resume schedules from the next future occurrence", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const { template, first } = await withFirstInstance(client);
    const paused = await expectData<TemplateJson>(await client.request("POST", `/templates/${template.id}/pause`));
    expect(paused).toMatchObject({ paused: true, active: false, open_instance_id: first.id, version: 2 });
    const done = await expectData<{ next_instance: NextInstanceJson | null }>(await client.request("POST", `/tasks/${first.id}/complete`));
    expect(done.next_instance).toBeNull();

    // Three Mondays later: the missed ones (03-30, 04-06, 04-13) are not back-filled.
    const later = await pinned(client, "2026-04-15T10:00:00Z");
    const resumed = await expectData<TemplateJson>(await later.request("POST", `/templates/${template.id}/resume`));
    const nextId = await instanceId(template.id, "2026-04-20T07:00:00.000Z");
    expect(resumed).toMatchObject({ paused: false, active: true, next_occurrence_at: "2026-04-20T07:00:00.000Z", open_instance_id: nextId, version: 3 });
    await waitForTask(client, nextId);
    expect((await history(client, template.id)).map(([at, status]) => [at, status])).toEqual([
      ["2026-04-20T07:00:00.000Z", "open"],
      ["2026-03-23T08:00:00.000Z", "completed"],
    ]);
  });
});

describe("templates: PATCH and DELETE", () => {
  // The minute trigger runs every sweep over the shared database: here only the one under test.
  runOnly(EVERY_MINUTE, ["recurring_sweep"]);

  it("PATCH of the rule recomputes the series from now; a stale version is 409 with the current template", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const { template, first } = await withFirstInstance(client);
    const patched = await expectData<TemplateJson>(
      await client.request("PATCH", `/templates/${template.id}`, { body: { rrule: "FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;BYMINUTE=0", title: "Tuesday review", version: 1 } }),
    );
    // The open instance (Monday 03-23) stays; the next is the first Tuesday 10:00 after it.
    expect(patched).toMatchObject({ rrule: "FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;BYMINUTE=0", title: "Tuesday review", next_occurrence_at: "2026-03-24T09:00:00.000Z", open_instance_id: first.id, version: 2 });
    const stale = await errorOf(await client.request("PATCH", `/templates/${template.id}`, { body: { title: "Again", version: 1 } }));
    expect(stale).toMatchObject({ status: 409, code: "VERSION_CONFLICT", details: { current: { id: template.id, version: 2, title: "Tuesday review" } } });
    const done = await expectData<{ next_instance: NextInstanceJson | null }>(await client.request("POST", `/tasks/${first.id}/complete`));
    expect(done.next_instance?.occurrence_at).toBe("2026-03-24T09:00:00.000Z");
    const next = await waitForTask(client, done.next_instance?.id ?? "");
    expect(next.title).toBe("Tuesday review");
    // Invalid rules in a PATCH are 400 with the reason.
    const bad = await errorOf(await client.request("PATCH", `/templates/${template.id}`, { body: { rrule: "FREQ=MINUTELY", version: 2 }, invalid: true }));
    expect(bad).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [{ field: "rrule", reason: "Rules firing more often than hourly are not allowed." }] });
  });

  it("PATCH of one end bound replaces the other (count ↔ until); both at once is 400 and changes nothing", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const template = await createTemplate(client, { ...WEEKLY, count: 10 });
    const byDate = await expectData<TemplateJson>(await client.request("PATCH", `/templates/${template.id}`, { body: { until: "2026-06-01T00:00:00Z", version: 1 } }));
    expect(byDate).toMatchObject({ until: "2026-06-01T00:00:00.000Z", count: null, version: 2 });
    const byCount = await expectData<TemplateJson>(await client.request("PATCH", `/templates/${template.id}`, { body: { count: 5, version: 2 } }));
    expect(byCount).toMatchObject({ until: null, count: 5, version: 3 });
    const both = await errorOf(await client.request("PATCH", `/templates/${template.id}`, { body: { count: 3, until: "2026-06-01T00:00:00Z", version: 3 }, invalid: true }));
    expect(both).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [{ field: "rrule" }] });
    expect(await expectData<TemplateJson>(await client.request("GET", `/templates/${template.id}`))).toMatchObject({ until: null, count: 5, version: 3 });
  });

  it("DELETE ends the series; its instances stay as ordinary tasks", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const { template, first } = await withFirstInstance(client);
    const response = await client.request("DELETE", `/templates/${template.id}`, { headers: { "If-Match": '"1"' } });
    expect(response.status).toBe(204);
    expect((await errorOf(await client.request("GET", `/templates/${template.id}`))).status).toBe(404);
    const kept = await waitForTask(client, first.id);
    expect(kept).toMatchObject({ template_id: null, completed: false });
    const done = await expectData<{ next_instance: NextInstanceJson | null }>(await client.request("POST", `/tasks/${first.id}/complete`));
    expect(done.next_instance).toBeNull();
  });

  it("deleting the open instance does not end the series (the sweep generates the next); restoring it creates no duplicate", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const { template, first } = await withFirstInstance(client);
    const deletion = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${first.id}`));
    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date() });
    const secondId = await instanceId(template.id, "2026-03-30T07:00:00.000Z");
    await waitForTask(client, secondId);
    expect((await history(client, template.id)).map(([at, status]) => [at, status])).toEqual([
      ["2026-03-30T07:00:00.000Z", "open"],
      ["2026-03-23T08:00:00.000Z", "deleted"],
    ]);
    const restored = await client.request("POST", `/recovery/${deletion.tombstone_id}/restore`);
    expect(restored.status).toBe(200);
    expect(await openInstances(template.id)).toEqual([{ n: 1 }]);
    expect((await waitForTask(client, first.id)).template_id).toBeNull();
  });
});

describe("templates: reads", () => {
  it("GET /templates pages newest first; GET /templates/{id} sends the version as ETag (1 round trip)", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const a = await createTemplate(client, { ...WEEKLY, title: "A" });
    const b = await createTemplate(await pinned(client, "2026-03-20T10:01:00Z"), { ...WEEKLY, title: "B" });
    const page = (await (await client.request("GET", "/templates?limit=1")).json()) as { data: TemplateJson[]; next_cursor: string | null };
    expect(page.data.map((t) => t.id)).toEqual([b.id]);
    const rest = (await (await client.request("GET", `/templates?limit=1&cursor=${page.next_cursor ?? ""}`)).json()) as { data: TemplateJson[]; next_cursor: string | null };
    expect(rest.data.map((t) => t.id)).toEqual([a.id]);
    const requestId = newRequestId("template-get");
    const got = await client.request("GET", `/templates/${a.id}`, { requestId });
    expect(got.headers.get("ETag")).toBe('"1"');
    await got.body?.cancel();
    expect(await roundTrips(requestId)).toBe(1);
  });

  it.each([
    ["weekly Monday 09:00 Berlin across the spring change", WEEKLY, "2026-03-20T10:00:00Z", 3, [
      ["2026-03-23T08:00:00.000Z", "2026-03-23T09:00:00+01:00"],
      ["2026-03-30T07:00:00.000Z", "2026-03-30T09:00:00+02:00"],
      ["2026-04-06T07:00:00.000Z", "2026-04-06T09:00:00+02:00"],
    ]],
    ["weekly Monday 09:00 New York across the autumn change", { ...WEEKLY, timezone: "America/New_York" }, "2026-10-20T00:00:00Z", 2, [
      ["2026-10-26T13:00:00.000Z", "2026-10-26T09:00:00-04:00"],
      ["2026-11-02T14:00:00.000Z", "2026-11-02T09:00:00-05:00"],
    ]],
    ["weekly Monday 09:00 Sydney across the April change", { ...WEEKLY, timezone: "Australia/Sydney" }, "2026-03-28T00:00:00Z", 2, [
      ["2026-03-29T22:00:00.000Z", "2026-03-30T09:00:00+11:00"],
      ["2026-04-05T23:00:00.000Z", "2026-04-06T09:00:00+10:00"],
    ]],
    ["daily 02:30 Berlin over the gap day", { ...WEEKLY, rrule: "FREQ=DAILY;BYHOUR=2;BYMINUTE=30" }, "2026-03-28T00:00:00Z", 3, [
      ["2026-03-28T01:30:00.000Z", "2026-03-28T02:30:00+01:00"],
      ["2026-03-29T01:30:00.000Z", "2026-03-29T03:30:00+02:00"],
      ["2026-03-30T00:30:00.000Z", "2026-03-30T02:30:00+02:00"],
    ]],
    ["daily 02:30 Berlin over the overlap day", { ...WEEKLY, rrule: "FREQ=DAILY;BYHOUR=2;BYMINUTE=30" }, "2026-10-24T12:00:00Z", 2, [
      ["2026-10-25T00:30:00.000Z", "2026-10-25T02:30:00+02:00"],
      ["2026-10-26T01:30:00.000Z", "2026-10-26T02:30:00+01:00"],
    ]],
    ["UNTIL on an occurrence boundary", { ...WEEKLY, rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0", until: "2026-03-22T08:00:00Z" }, "2026-03-20T10:00:00Z", 10, [
      ["2026-03-21T08:00:00.000Z", "2026-03-21T09:00:00+01:00"],
      ["2026-03-22T08:00:00.000Z", "2026-03-22T09:00:00+01:00"],
    ]],
    ["COUNT=3", { ...WEEKLY, rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;COUNT=3", starts_at: "2026-03-21T00:00:00Z" }, "2026-03-20T10:00:00Z", 50, [
      ["2026-03-21T08:00:00.000Z", "2026-03-21T09:00:00+01:00"],
      ["2026-03-22T08:00:00.000Z", "2026-03-22T09:00:00+01:00"],
      ["2026-03-23T08:00:00.000Z", "2026-03-23T09:00:00+01:00"],
    ]],
  ])("GET /templates/{id}/occurrences: %s", async (_name, rule, now, limit, expected) => {
    const client = await pinned(await newClient({ tier: "pro" }), now);
    const template = await createTemplate(client, rule);
    const preview = await expectData<{ occurrence_at: string; local: string }[]>(await client.request("GET", `/templates/${template.id}/occurrences?limit=${limit}`));
    expect(preview.map((entry) => [entry.occurrence_at, entry.local])).toEqual(expected);
  });

  it("occurrences default to 10 and refuse a limit outside 1–50", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const template = await createTemplate(client, WEEKLY);
    expect(await expectData<unknown[]>(await client.request("GET", `/templates/${template.id}/occurrences`))).toHaveLength(10);
    for (const limit of [0, 51]) {
      expect((await errorOf(await client.request("GET", `/templates/${template.id}/occurrences?limit=${limit}`, { invalid: true }))).code).toBe("VALIDATION_ERROR");
    }
  });
});

describe("templates: one open instance", () => {
  it("reopening an old instance while a newer one is open → 409 LIMIT_EXCEEDED; the newer stays the only open one", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), NOW);
    const { template, first } = await withFirstInstance(client);
    const done = await expectData<{ next_instance: NextInstanceJson | null }>(await client.request("POST", `/tasks/${first.id}/complete`));
    await waitForTask(client, done.next_instance?.id ?? "");
    const refused = await errorOf(await client.request("POST", `/tasks/${first.id}/reopen`));
    expect(refused).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED", details: { limit: 1, current: 1 } });
    expect(await openInstances(template.id)).toEqual([{ n: 1 }]);
  });
});
