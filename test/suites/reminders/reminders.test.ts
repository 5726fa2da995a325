import { describe, expect, it } from "vitest";
import { roundTrips } from "../../support/neon-control";
import { call, newRequestId } from "../../support/requests";
import { createTask, dbRows, errorOf, expectData, inDays, newClient, sql } from "../../support/factories";
import { addReminder, reminderRow, remindersOf, type ReminderJson } from "./support";

/** docs/reminders-notifications-realtime.md#reminders: the four operations, their rules and the task's hold on its reminders. */
describe("reminders: create, list, change, delete", () => {
  it("an absolute reminder: 201 with the contract's fields in ≤ 2 round trips; listed (1 round trip) and on the task", async () => {
    const client = await newClient();
    const task = await createTask(client, { due_date: inDays(2) });
    const at = inDays(1);
    const requestId = newRequestId("reminder-create");
    const reminder = await expectData<ReminderJson>(
      await client.request("POST", `/tasks/${task.id}/reminders`, { body: { remind_at: at, channel: "push" }, requestId }),
      201,
    );
    expect(await roundTrips(requestId)).toBeLessThanOrEqual(2);
    expect(reminder).toMatchObject({ task_id: task.id, kind: "absolute", remind_at: at, offset_minutes: null, channel: "push", status: "pending", sent_at: null });
    const listId = newRequestId("reminder-list");
    const listed = await expectData<ReminderJson[]>(await client.request("GET", `/tasks/${task.id}/reminders`, { requestId: listId }));
    expect(await roundTrips(listId)).toBe(1);
    expect(listed).toEqual([reminder]);
    const detail = await expectData<{ reminders: ReminderJson[] }>(await client.request("GET", `/tasks/${task.id}`));
    expect(detail.reminders).toEqual([reminder]);
  });

  it("a relative reminder fires at due date + offset; channel defaults to both; kind may be sent when it agrees", async () => {
    const client = await newClient();
    const due = inDays(3);
    const task = await createTask(client, { due_date: due });
    const reminder = await addReminder(client, task.id, { kind: "relative", offset_minutes: -90 });
    expect(reminder).toMatchObject({ kind: "relative", offset_minutes: -90, channel: "both", status: "pending" });
    expect(reminder.remind_at).toBe(new Date(Date.parse(due) - 90 * 60_000).toISOString());
  });

  it("refuses what can never fire or is ambiguous: 400 with the field, nothing stored", async () => {
    const client = await newClient();
    const undated = await createTask(client);
    const dated = await createTask(client, { due_date: inDays(1) });
    const cases: [string, Record<string, unknown>, string][] = [
      [undated.id, { offset_minutes: -60 }, "body.offset_minutes"],
      [dated.id, { remind_at: new Date(Date.now() - 60_000).toISOString() }, "body.remind_at"],
      [dated.id, { offset_minutes: -2 * 24 * 60 }, "body.offset_minutes"],
      [dated.id, { remind_at: inDays(0.5), offset_minutes: -10 }, "body.remind_at"],
      [dated.id, {}, "body.remind_at"],
      [dated.id, { kind: "relative" }, "body.offset_minutes"],
      [dated.id, { kind: "relative", remind_at: inDays(0.5) }, "body.kind"],
    ];
    for (const [taskId, body, field] of cases) {
      const error = await errorOf(await client.request("POST", `/tasks/${taskId}/reminders`, { body, invalid: true }));
      expect(error, JSON.stringify(body)).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
      expect(JSON.stringify(error.details), JSON.stringify(body)).toContain(field);
    }
    for (const body of [{ offset_minutes: 100_000 }, { remind_at: "tomorrow" }, { remind_at: inDays(1), snooze: true }, { channel: "email", remind_at: inDays(1) }]) {
      const error = await errorOf(await client.request("POST", `/tasks/${dated.id}/reminders`, { body, invalid: true }));
      expect(error, JSON.stringify(body)).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    }
    const [count] = await dbRows<{ n: number }>(sql`select count(*)::int as n from reminders where user_id = ${client.userId}`);
    expect(count?.n).toBe(0);
  });

  it("at most 5 per task, exact under 8 parallel creates: five 201, three 409 LIMIT_EXCEEDED {limit, current}", async () => {
    const client = await newClient();
    const task = await createTask(client, { due_date: inDays(2) });
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, i) => client.request("POST", `/tasks/${task.id}/reminders`, { body: { remind_at: inDays(1 + i / 100) } })),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 201, 201, 201, 201, 409, 409, 409]);
    const refused = responses.find((response) => response.status === 409);
    if (!refused) throw new Error("no 409");
    expect(await errorOf(refused)).toMatchObject({ code: "LIMIT_EXCEEDED", details: { limit: 5, current: 5 } });
    expect(await remindersOf(client, task.id)).toHaveLength(5);
  });

  it("a retry with the same Idempotency-Key answers the same reminder and stores one", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const key = crypto.randomUUID();
    const body = { remind_at: inDays(1) };
    const [a, b] = await Promise.all([0, 1].map(() => client.request("POST", `/tasks/${task.id}/reminders`, { body, key })));
    const texts = await Promise.all([a, b].map(async (response) => ({ status: response?.status, text: await response?.text() })));
    const created = texts.filter((entry) => entry.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    const again = await client.request("POST", `/tasks/${task.id}/reminders`, { body, key });
    expect(again.status).toBe(201);
    expect(await again.text()).toBe(created[0]?.text);
    expect(await remindersOf(client, task.id)).toHaveLength(1);
  });

  it("on a completed task it is stored cancelled and reopening arms it; an archived task refuses it (409)", async () => {
    const client = await newClient();
    const task = await createTask(client);
    await expectData(await client.request("POST", `/tasks/${task.id}/complete`, { body: {} }));
    const reminder = await addReminder(client, task.id, { remind_at: inDays(1) });
    expect(reminder.status).toBe("cancelled");
    await expectData(await client.request("POST", `/tasks/${task.id}/reopen`, { body: {} }));
    expect((await remindersOf(client, task.id))[0]?.status).toBe("pending");

    const archived = await createTask(client);
    await expectData(await client.request("PATCH", `/tasks/${archived.id}`, { body: { archived: true, version: 1 } }));
    expect(await errorOf(await client.request("POST", `/tasks/${archived.id}/reminders`, { body: { remind_at: inDays(1) } }))).toMatchObject({
      status: 409,
      code: "TASK_ARCHIVED",
    });
  });

  it("PATCH: the channel alone keeps the status; a new time (either kind) re-arms, also a reminder that fired", async () => {
    const client = await newClient();
    const task = await createTask(client, { due_date: inDays(2) });
    const reminder = await addReminder(client, task.id, { remind_at: inDays(1) });
    const channel = await expectData<ReminderJson>(await client.request("PATCH", `/reminders/${reminder.id}`, { body: { channel: "in_app" } }));
    expect(channel).toMatchObject({ channel: "in_app", status: "pending", remind_at: reminder.remind_at });

    const relative = await expectData<ReminderJson>(await client.request("PATCH", `/reminders/${reminder.id}`, { body: { offset_minutes: -30 } }));
    expect(relative).toMatchObject({ kind: "relative", offset_minutes: -30, remind_at: new Date(Date.parse(task.due_date ?? "") - 30 * 60_000).toISOString() });

    await dbRows(sql`update reminders set status = 'sent', fired_at = now() where id = ${reminder.id}`);
    const again = inDays(1.5);
    const rearmed = await expectData<ReminderJson>(await client.request("PATCH", `/reminders/${reminder.id}`, { body: { remind_at: again } }));
    expect(rearmed).toMatchObject({ kind: "absolute", remind_at: again, offset_minutes: null, status: "pending", sent_at: null });
    expect(await remindersOf(client, task.id)).toEqual([rearmed]);

    expect(await errorOf(await client.request("PATCH", `/reminders/${reminder.id}`, { body: { remind_at: new Date(Date.now() - 1000).toISOString() }, invalid: true }))).toMatchObject({
      status: 400,
      code: "VALIDATION_ERROR",
    });
  });

  it("DELETE: 204 in one round trip, then 404", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const reminder = await addReminder(client, task.id, { remind_at: inDays(1) });
    const requestId = newRequestId("reminder-delete");
    expect((await client.request("DELETE", `/reminders/${reminder.id}`, { requestId })).status).toBe(204);
    expect(await roundTrips(requestId)).toBe(1);
    expect((await errorOf(await client.request("DELETE", `/reminders/${reminder.id}`))).status).toBe(404);
    expect(await reminderRow(reminder.id)).toBeUndefined();
  });
});

describe("reminders follow their task", () => {
  it("moving the due date moves relative reminders (not absolute ones); clearing it cancels them; restoring it re-arms", async () => {
    const client = await newClient();
    const task = await createTask(client, { due_date: inDays(2) });
    const relative = await addReminder(client, task.id, { offset_minutes: -60 });
    const absolute = await addReminder(client, task.id, { remind_at: inDays(1) });
    const due = inDays(4);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { due_date: due, version: 1 } }));
    const moved = await remindersOf(client, task.id);
    expect(moved.find((r) => r.id === relative.id)).toMatchObject({ status: "pending", remind_at: new Date(Date.parse(due) - 3_600_000).toISOString() });
    expect(moved.find((r) => r.id === absolute.id)).toMatchObject({ status: "pending", remind_at: absolute.remind_at });

    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { due_date: null, version: 2 } }));
    expect((await remindersOf(client, task.id)).find((r) => r.id === relative.id)).toMatchObject({ status: "cancelled", remind_at: null });

    const back = inDays(5);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { due_date: back, version: 3 } }));
    expect((await remindersOf(client, task.id)).find((r) => r.id === relative.id)).toMatchObject({ status: "pending", remind_at: new Date(Date.parse(back) - 3_600_000).toISOString() });
  });

  it("completing cancels pending reminders, reopening re-arms those ahead; archiving and un-archiving likewise", async () => {
    const client = await newClient();
    const task = await createTask(client, { due_date: inDays(2) });
    const a = await addReminder(client, task.id, { remind_at: inDays(1) });
    const b = await addReminder(client, task.id, { offset_minutes: -10 });
    await expectData(await client.request("POST", `/tasks/${task.id}/complete`, { body: {} }));
    expect((await remindersOf(client, task.id)).map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    await expectData(await client.request("POST", `/tasks/${task.id}/reopen`, { body: {} }));
    expect((await remindersOf(client, task.id)).map((r) => [r.id, r.status])).toEqual([
      [a.id, "pending"],
      [b.id, "pending"],
    ]);
    const current = await expectData<{ version: number }>(await client.request("GET", `/tasks/${task.id}`));
    const archived = await expectData<{ version: number }>(await client.request("PATCH", `/tasks/${task.id}`, { body: { archived: true, version: current.version } }));
    expect((await remindersOf(client, task.id)).map((r) => r.status)).toEqual(["cancelled", "cancelled"]);
    await expectData(await client.request("PATCH", `/tasks/${task.id}`, { body: { archived: false, version: archived.version } }));
    expect((await remindersOf(client, task.id)).map((r) => r.status)).toEqual(["pending", "pending"]);
  });

  it("a task restored from its tombstone keeps its reminders with their ids, pending again", async () => {
    const client = await newClient();
    const task = await createTask(client, { due_date: inDays(2) });
    const reminder = await addReminder(client, task.id, { offset_minutes: -60 });
    const deleted = await expectData<{ tombstone_id: string }>(await client.request("DELETE", `/tasks/${task.id}`));
    expect(await reminderRow(reminder.id)).toBeUndefined();
    await expectData(await client.request("POST", `/recovery/${deleted.tombstone_id}/restore`));
    const row = await reminderRow(reminder.id);
    expect(row).toMatchObject({ status: "pending" });
    expect((await remindersOf(client, task.id))[0]).toMatchObject({ id: reminder.id, status: "pending", remind_at: reminder.remind_at });
  });
});

describe("reminders: security", () => {
  it("401 without a token on every operation", async () => {
    const id = crypto.randomUUID();
    const requests: [string, string, unknown][] = [
      ["POST", `/api/v1/tasks/${id}/reminders`, { remind_at: inDays(1) }],
      ["GET", `/api/v1/tasks/${id}/reminders`, undefined],
      ["PATCH", `/api/v1/reminders/${id}`, { channel: "push" }],
      ["DELETE", `/api/v1/reminders/${id}`, undefined],
    ];
    for (const [method, path, body] of requests) {
      const response = await call(path, { method, body, headers: { "Idempotency-Key": crypto.randomUUID() }, invalid: true });
      expect((await errorOf(response)).status, `${method} ${path}`).toBe(401);
    }
  });

  it("another user's task or reminder is 404 on every operation and stays as it was", async () => {
    const owner = await newClient();
    const other = await newClient();
    const task = await createTask(owner, { due_date: inDays(2) });
    const reminder = await addReminder(owner, task.id, { remind_at: inDays(1) });
    expect((await errorOf(await other.request("POST", `/tasks/${task.id}/reminders`, { body: { remind_at: inDays(1) } }))).status).toBe(404);
    expect((await errorOf(await other.request("GET", `/tasks/${task.id}/reminders`))).status).toBe(404);
    expect((await errorOf(await other.request("PATCH", `/reminders/${reminder.id}`, { body: { channel: "in_app" } }))).status).toBe(404);
    expect((await errorOf(await other.request("DELETE", `/reminders/${reminder.id}`))).status).toBe(404);
    expect(await remindersOf(owner, task.id)).toEqual([reminder]);
  });

  it("ids that are not UUIDs are 400", async () => {
    const client = await newClient();
    for (const [method, path] of [
      ["GET", "/tasks/nope/reminders"],
      ["PATCH", "/reminders/nope"],
      ["DELETE", "/reminders/nope"],
    ] as const) {
      const response = await client.request(method, path, { ...(method === "PATCH" && { body: { channel: "push" } }), invalid: true });
      expect((await errorOf(response)).status, `${method} ${path}`).toBe(400);
    }
  });
});
