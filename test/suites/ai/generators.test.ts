import { describe, expect, it } from "vitest";
import { createSubtask, createTask, dbRows, errorOf, expectData, newClient, sql } from "../../support/factories";
import { modelRequests, scriptModel } from "../../support/openai";

/**
 * The SubtaskGenerator and the NoteConverter (docs/ai.md) against the OpenAI fake: structured output,
 * one stored suggestion, one credit consumed in the batch that logs the interaction, refunded exactly on
 * failure, never more subtasks than the free slots.
 */
interface Generated {
  suggestion_id: string;
  suggestions: { title: string }[];
  ai_request_warning: boolean;
  credits_used: number;
  credits_remaining: number;
}

const ledger = (userId: string) =>
  dbRows<{ kind: string; amount: number; reason: string }>(sql`select kind, amount, reason from credit_ledger where user_id = ${userId} and kind in ('consume', 'refund') order by created_at, id`);
const interactions = (userId: string) =>
  dbRows<{ kind: string; outcome: string; credits: number; input_summary: string; task_id: string | null; note_id: string | null }>(
    sql`select kind, outcome, credits, input_summary, task_id, note_id from ai_interactions where user_id = ${userId} order by created_at, id`,
  );

describe("POST /ai/tasks/{id}/subtasks", () => {
  it("proposes subtasks from structured output, stores one suggestion and charges one credit", async () => {
    const client = await newClient();
    const marker = `plan-${crypto.randomUUID()}`;
    const task = await createTask(client, { title: `Party ${marker}` });
    await scriptModel({ match: marker, turns: [{ json: { subtasks: [{ title: "Book the venue" }, { title: "Send invitations" }] } }] });
    const result = await expectData<Generated>(await client.request("POST", `/ai/tasks/${task.id}/subtasks`), 201);
    expect(result).toMatchObject({ suggestions: [{ title: "Book the venue" }, { title: "Send invitations" }], credits_used: 1, credits_remaining: 4, ai_request_warning: false });
    const suggestion = await expectData<{ kind: string; status: string; payload: unknown; task_id: string }>(await client.request("GET", `/ai/suggestions/${result.suggestion_id}`));
    expect(suggestion).toMatchObject({ kind: "subtasks", status: "pending", task_id: task.id, payload: { subtasks: [{ title: "Book the venue" }, { title: "Send invitations" }] } });
    // Nothing changed on the task until the user confirms.
    expect((await expectData<{ subtask_count: number }>(await client.request("GET", `/tasks/${task.id}`))).subtask_count).toBe(0);
    expect(await ledger(client.userId)).toEqual([{ kind: "consume", amount: -1, reason: "ai_subtasks" }]);
    expect(await interactions(client.userId)).toEqual([expect.objectContaining({ kind: "subtasks", outcome: "success", credits: 1, task_id: task.id })]);
    const [request] = await modelRequests(marker);
    expect(request?.body).toMatchObject({ text: { format: { type: "json_schema", strict: true } } });
    expect(request?.authorized).toBe(true);
  });

  it("never more than the free slots: the model is told, and the rest is cut off", async () => {
    const client = await newClient();
    const marker = `slots-${crypto.randomUUID()}`;
    const task = await createTask(client, { title: `Move ${marker}` });
    await createSubtask(client, task.id, "one");
    await createSubtask(client, task.id, "two");
    await createSubtask(client, task.id, "three");
    const many = Array.from({ length: 6 }, (_, index) => ({ title: `Step ${index + 1}` }));
    await scriptModel({ match: marker, turns: [{ json: { subtasks: many } }] });
    const result = await expectData<Generated>(await client.request("POST", `/ai/tasks/${task.id}/subtasks`), 201);
    // Free plan: 4 per task, 3 used.
    expect(result.suggestions).toEqual([{ title: "Step 1" }]);
    const [request] = await modelRequests(marker);
    expect(JSON.stringify(request?.body)).toContain("between 1 and 1 subtasks");
    await createSubtask(client, task.id, "four");
    expect(await errorOf(await client.request("POST", `/ai/tasks/${task.id}/subtasks`))).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED" });
    expect((await ledger(client.userId)).length).toBe(1);
  });

  it("a model 500, a timeout-like failure or an empty answer → 503 and the credit back (consume + refund, logged)", async () => {
    const client = await newClient();
    const marker = `fail-${crypto.randomUUID()}`;
    const task = await createTask(client, { title: `Trip ${marker}` });
    await scriptModel({ match: marker, turns: [{ status: 500 }] });
    const failed = await errorOf(await client.request("POST", `/ai/tasks/${task.id}/subtasks`));
    expect(failed).toMatchObject({ status: 503, code: "AI_SERVICE_UNAVAILABLE", details: { outcome: "failure", credits_refunded: 1 } });
    await scriptModel({ match: marker, turns: [{ json: { subtasks: [] } }] });
    expect(await errorOf(await client.request("POST", `/ai/tasks/${task.id}/subtasks`))).toMatchObject({ status: 503, code: "AI_SERVICE_UNAVAILABLE" });
    const rows = await ledger(client.userId);
    expect(rows.map((row) => [row.kind, row.amount])).toEqual([["consume", -1], ["refund", 1], ["consume", -1], ["refund", 1]]);
    expect((await interactions(client.userId)).map((row) => [row.outcome, row.credits])).toEqual([["failure", 0], ["failure", 0]]);
    expect(await dbRows(sql`select 1 from ai_suggestions where user_id = ${client.userId}`)).toEqual([]);
  });

  it("a retry with the same Idempotency-Key replays: one charge, one model call", async () => {
    const client = await newClient();
    const marker = `replay-${crypto.randomUUID()}`;
    const task = await createTask(client, { title: `Garden ${marker}` });
    await scriptModel({ match: marker, turns: [{ json: { subtasks: [{ title: "Buy seeds" }] } }] });
    const key = crypto.randomUUID();
    const first = await client.request("POST", `/ai/tasks/${task.id}/subtasks`, { key });
    const again = await client.request("POST", `/ai/tasks/${task.id}/subtasks`, { key });
    expect(again.status).toBe(201);
    expect(await again.text()).toBe(await first.text());
    expect(await modelRequests(marker)).toHaveLength(1);
    expect(await ledger(client.userId)).toHaveLength(1);
  });

  it("another user's task → 404 before any charge or model call", async () => {
    const owner = await newClient();
    const other = await newClient();
    const marker = `foreign-${crypto.randomUUID()}`;
    const task = await createTask(owner, { title: `Secret ${marker}` });
    expect(await errorOf(await other.request("POST", `/ai/tasks/${task.id}/subtasks`))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(await modelRequests(marker)).toEqual([]);
    expect(await ledger(other.userId)).toEqual([]);
  });
});

describe("POST /ai/notes/{id}/convert", () => {
  it("proposes a task; the confirmed suggestion creates it and links and archives the note", async () => {
    const client = await newClient();
    const marker = `note-${crypto.randomUUID()}`;
    const note = await expectData<{ id: string }>(await client.request("POST", "/notes", { body: { content: `Call the plumber ${marker}: fix the tap, check the boiler` } }), 201);
    const proposal = { title: "Call the plumber", description: "About the tap and the boiler", priority: "high", due_date: null, subtasks: [{ title: "Fix the tap" }, { title: "Check the boiler" }] };
    await scriptModel({ match: marker, turns: [{ json: proposal }] });
    const result = await expectData<{ suggestion_id: string; suggestion: unknown; credits_used: number }>(await client.request("POST", `/ai/notes/${note.id}/convert`), 201);
    expect(result).toMatchObject({ suggestion: proposal, credits_used: 1 });
    const confirmed = await expectData<{ result: { task: { id: string; title: string }; note: { archived: boolean } } }>(
      await client.request("POST", `/ai/suggestions/${result.suggestion_id}/confirm`),
      201,
    );
    expect(confirmed.result.task.title).toBe("Call the plumber");
    expect(confirmed.result.note.archived).toBe(true);
    const [link] = await dbRows<{ converted_task_id: string }>(sql`select converted_task_id from notes where id = ${note.id}`);
    expect(link?.converted_task_id).toBe(confirmed.result.task.id);
    // Converted once: a second conversion is refused before any charge.
    expect(await errorOf(await client.request("POST", `/ai/notes/${note.id}/convert`))).toMatchObject({ status: 409, code: "VERSION_CONFLICT" });
    expect((await ledger(client.userId)).length).toBe(1);
    expect(await interactions(client.userId)).toEqual([expect.objectContaining({ kind: "note_convert", outcome: "success", note_id: note.id })]);
  });
});
