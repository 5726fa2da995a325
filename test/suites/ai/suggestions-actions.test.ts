import { describe, expect, it } from "vitest";
import type { Suggestion } from "../../../src/services/ai/suggestions/types";
import { createSubtask, createTask, dbRows, errorOf, expectData, getTask, inDays, newClient, sql, type SubtaskJson, type TaskJson, type TestClient } from "../../support/factories";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { propose, proposeAction } from "./suggestions-support";

interface Confirmation<R> {
  suggestion: Suggestion;
  result: R;
  unlocked_achievements: { id: string }[];
}

type Entry = { action: string; entity_type: string; actor: string };

async function confirm<R>(client: TestClient, id: string, status: number, body?: unknown): Promise<Confirmation<R>> {
  const requestId = newRequestId("confirm");
  const confirmation = await expectData<Confirmation<R>>(await client.request("POST", `/ai/suggestions/${id}/confirm`, { requestId, ...(body !== undefined && { body }) }), status);
  expect(await roundTrips(requestId)).toBe(2);
  return confirmation;
}

const statusOf = async (id: string) => (await dbRows<{ status: string }>(sql`select status from ai_suggestions where id = ${id}`))[0]?.status;
const history = async (client: TestClient, taskId: string) => expectData<Entry[]>(await client.request("GET", `/tasks/${taskId}/history`));

describe("each action type, confirmed once (two round trips each)", () => {
  it("update_task: the version rule of PATCH /tasks applies – stale → 409 VERSION_CONFLICT and pending; edits with the current version → 200", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "Old" });
    await client.request("PATCH", `/tasks/${task.id}`, { body: { description: "moved on", version: 1 } });
    const suggestion = await proposeAction(client, "update_task", { task_id: task.id, version: 1, title: "New" });
    const stale = await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`);
    expect(await errorOf(stale)).toMatchObject({ status: 409, code: "VERSION_CONFLICT", details: { current: { version: 2 } } });
    expect(await statusOf(suggestion.id)).toBe("pending");
    const confirmation = await confirm<TaskJson>(client, suggestion.id, 200, { edits: { version: 2 } });
    expect(confirmation.result).toMatchObject({ id: task.id, title: "New", description: "moved on", version: 3 });
    expect((await history(client, task.id)).map((e) => [e.action, e.actor])).toEqual([
      ["created", "user"],
      ["updated", "user"],
      ["updated", "ai"],
    ]);
  });

  it("complete_task: 200 with {task, unlocked_achievements, next_instance}; a stale version → 409", async () => {
    const client = await newClient();
    const task = await createTask(client, { title: "Finish me" });
    // Four completions so far: this one reaches tasks_5, like a direct completion would.
    await dbRows(sql`insert into user_achievement_states (user_id, lifetime_tasks_completed) values (${client.userId}, 4)`);
    const stale = await proposeAction(client, "complete_task", { task_id: task.id, version: 7 });
    expect(await errorOf(await client.request("POST", `/ai/suggestions/${stale.id}/confirm`))).toMatchObject({ status: 409, code: "VERSION_CONFLICT" });
    const suggestion = await proposeAction(client, "complete_task", { task_id: task.id });
    const confirmation = await confirm<{ task: TaskJson; next_instance: null; unlocked_achievements: { id: string }[] }>(client, suggestion.id, 200);
    expect(confirmation.result).toMatchObject({ task: { id: task.id, completed: true, completed_by: "manual" }, next_instance: null });
    expect(confirmation.result.unlocked_achievements.map((a) => a.id)).toEqual(["tasks_5"]);
    expect(confirmation.unlocked_achievements).toEqual(confirmation.result.unlocked_achievements);
    expect((await history(client, task.id)).at(-1)).toMatchObject({ action: "completed", actor: "ai" });
  });

  it("add_subtasks at the slot limit: beyond the free slots → 409 LIMIT_EXCEEDED, nothing added; edited down → 201, source ai", async () => {
    const client = await newClient();
    const task = await createTask(client);
    for (const title of ["one", "two", "three"]) await createSubtask(client, task.id, title);
    const suggestion = await proposeAction(client, "add_subtasks", { task_id: task.id, subtasks: [{ title: "four" }, { title: "five" }] });
    expect(await errorOf(await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`))).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED", details: { limit: 4 } });
    expect((await getTask(client, task.id)).subtask_count).toBe(3);
    expect(await statusOf(suggestion.id)).toBe("pending");
    const confirmation = await confirm<SubtaskJson[]>(client, suggestion.id, 201, { edits: { subtasks: [{ title: "four" }] } });
    expect(confirmation.result).toEqual([expect.objectContaining({ title: "four", position: 3, source: "ai", task_id: task.id })]);
    expect(await getTask(client, task.id)).toMatchObject({ subtask_count: 4 });
  });

  it("kind subtasks (the generator's): adds them in order", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const outcome = await propose(client.userId, { kind: "subtasks", taskId: task.id, payload: { subtasks: [{ title: "a" }, { title: "b" }] }, interactionId: crypto.randomUUID() });
    if (!outcome.stored) throw new Error(outcome.reason);
    const confirmation = await confirm<SubtaskJson[]>(client, outcome.suggestion.id, 201);
    expect(confirmation.result.map((s) => [s.title, s.position, s.source])).toEqual([
      ["a", 0, "ai"],
      ["b", 1, "ai"],
    ]);
  });

  it("create_template with an RRULE and a zone ('every other Friday at 4pm')", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_template", {
      title: "Team retro",
      rrule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYHOUR=16;BYMINUTE=0",
      timezone: "Europe/Berlin",
      starts_at: new Date().toISOString(),
    });
    const confirmation = await confirm<{ id: string; rrule: string; timezone: string; next_occurrence_at: string }>(client, suggestion.id, 201);
    expect(confirmation.result).toMatchObject({ rrule: "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;BYHOUR=16;BYMINUTE=0", timezone: "Europe/Berlin" });
    const next = new Date(confirmation.result.next_occurrence_at);
    const local = new Intl.DateTimeFormat("en-GB", { timeZone: "Europe/Berlin", weekday: "short", hour: "2-digit", minute: "2-digit" }).format(next);
    expect(local).toBe("Fri 16:00");
    const actors = await dbRows<{ actor: string }>(sql`select actor from activity_log where user_id = ${client.userId} and entity_id = ${confirmation.result.id}`);
    expect(actors.map((a) => a.actor)).not.toContain("user");
  });

  it("create_reminder with an instant", async () => {
    const client = await newClient();
    const task = await createTask(client);
    const at = inDays(2);
    const suggestion = await proposeAction(client, "create_reminder", { task_id: task.id, remind_at: at });
    const confirmation = await confirm<{ task_id: string; kind: string; remind_at: string; status: string }>(client, suggestion.id, 201);
    expect(confirmation.result).toMatchObject({ task_id: task.id, kind: "absolute", remind_at: at, status: "pending" });
    expect(await expectData<unknown[]>(await client.request("GET", `/tasks/${task.id}/reminders`))).toHaveLength(1);
  });
});

describe("note conversion", () => {
  async function note(client: TestClient, content: string): Promise<{ id: string }> {
    return expectData<{ id: string }>(await client.request("POST", "/notes", { body: { content } }), 201);
  }

  it("kind note_convert: creates the task with subtasks, links and archives the note, note.converted counts the achievement", async () => {
    const client = await newClient();
    await dbRows(sql`insert into user_achievement_states (user_id, notes_converted) values (${client.userId}, 4)`);
    const { id: noteId } = await note(client, "Call the printer about the March invoice, then pay it.");
    const outcome = await propose(client.userId, {
      kind: "note_convert",
      noteId,
      payload: { title: "Sort out the March invoice", description: "From a note.", priority: "high", due_date: null, subtasks: [{ title: "Call the printer" }, { title: "Pay" }] },
      interactionId: crypto.randomUUID(),
    });
    if (!outcome.stored) throw new Error(outcome.reason);
    const confirmation = await confirm<{ task: TaskJson; subtasks: SubtaskJson[]; note: { id: string; archived: boolean; version: number } }>(client, outcome.suggestion.id, 201);
    expect(confirmation.result.task).toMatchObject({ title: "Sort out the March invoice", priority: "high", subtask_count: 2 });
    expect(confirmation.result.subtasks.map((s) => [s.title, s.position, s.source])).toEqual([
      ["Call the printer", 0, "ai"],
      ["Pay", 1, "ai"],
    ]);
    expect(confirmation.result.note).toMatchObject({ id: noteId, archived: true, version: 2 });
    expect(confirmation.unlocked_achievements.map((a) => a.id)).toEqual(["notes_converted_5"]);
    const [row] = await dbRows<{ converted_task_id: string; converted_at: string | null; archived: boolean }>(sql`select converted_task_id, converted_at, archived from notes where id = ${noteId}`);
    expect(row).toMatchObject({ converted_task_id: confirmation.result.task.id, archived: true });
    expect(row?.converted_at).not.toBeNull();
    expect(await getTask(client, confirmation.result.task.id)).toMatchObject({ subtask_count: 2 });
    const noteHistory = await expectData<Entry[]>(await client.request("GET", `/notes/${noteId}/history`));
    expect(noteHistory.at(-1)).toMatchObject({ action: "converted", actor: "ai" });
  });

  it("convert_note (chat action): a note converts once – a second conversion of it → 409, nothing created", async () => {
    const client = await newClient();
    const { id: noteId } = await note(client, "Buy a new chair.");
    const [first, second] = await Promise.all([
      proposeAction(client, "convert_note", { note_id: noteId, title: "Buy a chair" }),
      proposeAction(client, "convert_note", { note_id: noteId, title: "Buy a chair (again)" }),
    ]);
    const done = await confirm<{ task: TaskJson; subtasks: SubtaskJson[] }>(client, first.id, 201);
    expect(done.result.task.title).toBe("Buy a chair");
    expect(await errorOf(await client.request("POST", `/ai/suggestions/${second.id}/confirm`))).toMatchObject({ status: 409, code: "VERSION_CONFLICT" });
    expect(await statusOf(second.id)).toBe("pending");
    const tasks = await dbRows<{ n: number }>(sql`select count(*)::int as n from task_instances where user_id = ${client.userId}`);
    expect(tasks[0]?.n).toBe(1);
  });
});
