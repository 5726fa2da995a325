import { afterEach, describe, expect, it, vi } from "vitest";
import { runOnly, worker } from "../../support/scheduled";
import { EVERY_MINUTE } from "../../../cron";
import { dbRows, errorOf, expectData, newClient, sql, type TestClient } from "../../support/factories";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { bindings, createTemplate, deliver, pinned, waitForTask, type NextInstanceJson, type TemplateJson } from "./support";

/**
 * Instance generation through the `recurring` queue (docs/recurring.md "Instance generation"): the message
 * of a template's write goes through the outbox and Miniflare's real queue broker to the Worker's own
 * consumer; completions answer the next instance before it exists; every path is exactly once.
 */

afterEach(() => {
  vi.restoreAllMocks();
});

interface Completion {
  task: { id: string; completed: boolean };
  next_instance: NextInstanceJson | null;
}

const complete = async (client: TestClient, id: string, requestId?: string) =>
  expectData<Completion>(await client.request("POST", `/tasks/${id}/complete`, { ...(requestId !== undefined && { requestId }) }));

const instancesOf = (templateId: string) =>
  dbRows<{ id: string; occurrence_at: string; completed: boolean }>(
    sql`select id, to_jsonb(occurrence_at) #>> '{}' as occurrence_at, completed from task_instances where template_id = ${templateId} order by occurrence_at`,
  );

const WEEKLY = { rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin", starts_at: "2026-03-01T00:00:00Z" };

describe("recurring generation", () => {
  // The minute trigger runs every sweep over the shared database: here only the one under test.
  runOnly(EVERY_MINUTE, ["recurring_sweep"]);

  it("creating a template (2 round trips) generates its first instance through the queue, with the announced id", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), "2026-03-20T10:00:00Z");
    const requestId = newRequestId("template-create");
    const response = await client.request("POST", "/templates", { body: { title: "Weekly review", tags: ["Work"], estimated_duration: 30, ...WEEKLY }, requestId });
    const template = await expectData<TemplateJson>(response, 201);
    expect(await roundTrips(requestId)).toBe(2);
    expect(template).toMatchObject({ next_occurrence_at: "2026-03-23T08:00:00.000Z", active: true, paused: false, instances_generated: 0, version: 1, tags: ["work"] });
    expect(template.open_instance_id).toMatch(/^[0-9a-f-]{36}$/);

    const instance = await waitForTask(client, template.open_instance_id ?? "");
    expect(instance).toMatchObject({ template_id: template.id, occurrence_at: "2026-03-23T08:00:00.000Z", due_date: "2026-03-23T08:00:00.000Z", title: "Weekly review", tags: ["work"] });
    const after = await expectData<TemplateJson>(await client.request("GET", `/templates/${template.id}`));
    expect(after).toMatchObject({ open_instance_id: instance.id, next_occurrence_at: "2026-03-30T07:00:00.000Z", instances_generated: 1 });
    // An instance is an ordinary task: listed by GET /tasks?template_id=.
    const listed = await expectData<{ id: string }[]>(await client.request("GET", `/tasks?template_id=${template.id}`));
    expect(listed.map((task) => task.id)).toEqual([instance.id]);
  });

  it("completing the open instance (2 round trips) answers next_instance, which the queue then creates with that id", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), "2026-03-20T10:00:00Z");
    const template = await createTemplate(client, WEEKLY);
    const first = await waitForTask(client, template.open_instance_id ?? "");
    const requestId = newRequestId("instance-complete");
    const done = await complete(client, first.id, requestId);
    expect(await roundTrips(requestId)).toBe(2);
    expect(done.next_instance).toMatchObject({ occurrence_at: "2026-03-30T07:00:00.000Z", due_date: "2026-03-30T07:00:00.000Z" });
    const second = await waitForTask(client, done.next_instance?.id ?? "");
    expect(second).toMatchObject({ template_id: template.id, occurrence_at: "2026-03-30T07:00:00.000Z", completed: false });
    // Completing it again changes nothing and names the same next instance.
    expect((await complete(client, first.id)).next_instance).toEqual(done.next_instance);
  });

  it("a generate message redelivered 5 times creates one instance; each delivery costs ≤ 2 round trips", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), "2026-03-20T10:00:00Z");
    const template = await createTemplate(client, WEEKLY);
    const body = { type: "recurring_task_generate" as const, template_id: template.id, occurrence_at: "2026-03-23T08:00:00.000Z" };
    const ids = Array.from({ length: 5 }, () => crypto.randomUUID());
    // In parallel with the real queue's own delivery of the create's message.
    const results = await Promise.all(ids.map((id) => deliver([{ id, body }])));
    expect(results.every((result) => result.explicitAcks.length === 1 && result.retryMessages.length === 0)).toBe(true);
    await waitForTask(client, template.open_instance_id ?? "");
    for (const id of ids) expect(await roundTrips(`queue:recurring:${id}`)).toBeLessThanOrEqual(2);
    const again = crypto.randomUUID();
    await deliver([{ id: again, body }]);
    expect(await roundTrips(`queue:recurring:${again}`)).toBe(1);
    expect(await instancesOf(template.id)).toEqual([{ id: template.open_instance_id, occurrence_at: "2026-03-23T08:00:00+00:00", completed: false }]);
  });

  it("10 parallel completions of the open instance: one next instance, one next_instance id in every response", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), "2026-03-20T10:00:00Z");
    const template = await createTemplate(client, WEEKLY);
    const first = await waitForTask(client, template.open_instance_id ?? "");
    const responses = await Promise.all(Array.from({ length: 10 }, () => client.request("POST", `/tasks/${first.id}/complete`)));
    const answers = await Promise.all(responses.map(async (response) => (response.status === 200 ? ((await response.json()) as { data: Completion }).data : errorOf(response))));
    const completions = answers.filter((answer): answer is Completion => "task" in answer);
    expect(completions.length).toBeGreaterThan(0);
    expect(answers.filter((answer) => !("task" in answer)).every((answer) => "code" in answer && answer.code === "SERVICE_UNAVAILABLE")).toBe(true);
    const ids = new Set(completions.map((completion) => completion.next_instance?.id ?? null));
    expect(ids.size).toBe(1);
    const [nextId] = [...ids];
    await waitForTask(client, nextId ?? "");
    const outbox = await dbRows<{ n: number }>(sql`select count(*)::int as n from outbox
      where message->>'template_id' = ${template.id} and message->>'occurrence_at' = '2026-03-30T07:00:00.000Z'`);
    expect(outbox).toEqual([{ n: 1 }]);
    expect((await instancesOf(template.id)).map((row) => [row.id, row.completed])).toEqual([
      [first.id, true],
      [nextId, false],
    ]);
  });

  it("a dropped queue message is caught up by the minute sweep", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), "2026-03-20T10:00:00Z");
    // The queue accepts the after-commit send but the message is lost: the outbox row counts as sent.
    const send = vi.spyOn(bindings.RECURRING_QUEUE, "sendBatch").mockResolvedValueOnce({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0 } } });
    const template = await createTemplate(client, WEEKLY);
    for (let i = 0; i < 200 && send.mock.calls.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(send).toHaveBeenCalledTimes(1);
    send.mockRestore();
    expect(await instancesOf(template.id)).toEqual([]);

    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: new Date() });
    const instance = await waitForTask(client, template.open_instance_id ?? "");
    expect(instance.occurrence_at).toBe("2026-03-23T08:00:00.000Z");
    expect(await instancesOf(template.id)).toHaveLength(1);
  });

  it("COUNT=3: three instances, then the series ends (next_instance: null)", async () => {
    const client = await pinned(await newClient({ tier: "pro" }), "2026-03-20T10:00:00Z");
    const template = await createTemplate(client, { rrule: "FREQ=DAILY;BYHOUR=9;BYMINUTE=0;COUNT=3", timezone: "Europe/Berlin", starts_at: "2026-03-21T00:00:00Z" });
    const first = await waitForTask(client, template.open_instance_id ?? "");
    const one = await complete(client, first.id);
    expect(one.next_instance?.occurrence_at).toBe("2026-03-22T08:00:00.000Z");
    await waitForTask(client, one.next_instance?.id ?? "");
    const two = await complete(client, one.next_instance?.id ?? "");
    expect(two.next_instance?.occurrence_at).toBe("2026-03-23T08:00:00.000Z");
    await waitForTask(client, two.next_instance?.id ?? "");
    const three = await complete(client, two.next_instance?.id ?? "");
    expect(three.next_instance).toBeNull();
    const ended = await expectData<TemplateJson>(await client.request("GET", `/templates/${template.id}`));
    expect(ended).toMatchObject({ active: false, paused: false, next_occurrence_at: null, open_instance_id: null, instances_generated: 3 });
  });
});
