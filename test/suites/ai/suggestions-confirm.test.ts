import { describe, expect, it } from "vitest";
import type { Suggestion } from "../../../src/services/ai/suggestions/types";
import { clientAt, createTask, dbRows, errorOf, expectData, getTask, newClient, seedOpenTasks, sql, type TaskJson } from "../../support/factories";
import { roundTrips } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";
import { propose, proposeAction } from "./suggestions-support";

interface Confirmation<R> {
  suggestion: Suggestion;
  result: R;
  unlocked_achievements: unknown[];
}

type Entry = { action: string; entity_id: string; actor: string };

const statusOf = async (id: string) => (await dbRows<{ status: string }>(sql`select status from ai_suggestions where id = ${id}`))[0]?.status;
const taskCount = async (userId: string, title: string) =>
  Number((await dbRows<{ n: number }>(sql`select count(*)::int as n from task_instances where user_id = ${userId} and title = ${title}`))[0]?.n);

describe("confirming a create_task suggestion", () => {
  it("creates the task (201, what POST /tasks answers) with actor ai in the history, in two round trips", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_task", { title: "Plan the week", priority: "high", tags: ["Work"] });
    const requestId = newRequestId("confirm");
    const confirmation = await expectData<Confirmation<TaskJson>>(await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`, { requestId }), 201);
    expect(confirmation.result).toMatchObject({ title: "Plan the week", priority: "high", tags: ["work"], version: 1 });
    expect(confirmation.suggestion).toMatchObject({ id: suggestion.id, status: "confirmed", resolved_at: expect.any(String) });
    expect(await roundTrips(requestId)).toBe(2);
    expect(await getTask(client, confirmation.result.id)).toMatchObject({ title: "Plan the week" });
    const history = await expectData<Entry[]>(await client.request("GET", `/tasks/${confirmation.result.id}/history`));
    expect(history).toEqual([expect.objectContaining({ action: "created", actor: "ai" })]);
    expect(await statusOf(suggestion.id)).toBe("confirmed");
    expect(await expectData<Suggestion>(await client.request("GET", `/ai/suggestions/${suggestion.id}`))).toMatchObject({ status: "confirmed" });
  });

  it("edits win over the proposal and are re-validated with POST /tasks's schema", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_task", { title: "Draft", priority: "low" });
    const bad = await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`, { body: { edits: { priority: "urgent" } }, invalid: true });
    expect(await errorOf(bad)).toMatchObject({ status: 400, code: "VALIDATION_ERROR", details: [expect.objectContaining({ field: "edits.priority" })] });
    const target = await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`, { body: { edits: { task_id: crypto.randomUUID() } }, invalid: true });
    expect(await errorOf(target)).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    expect(await statusOf(suggestion.id)).toBe("pending");
    const confirmation = await expectData<Confirmation<TaskJson>>(
      await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`, { body: { edits: { title: "Final title", description: "Edited" } } }),
      201,
    );
    expect(confirmation.result).toMatchObject({ title: "Final title", description: "Edited", priority: "low" });
    expect(confirmation.suggestion.payload).toMatchObject({ title: "Final title", priority: "low" });
  });

  it("at the task limit → 409 LIMIT_EXCEEDED and the suggestion stays pending (confirmable once a slot is free)", async () => {
    const client = await newClient();
    await seedOpenTasks(client.userId, 50);
    const suggestion = await proposeAction(client, "create_task", { title: "One too many" });
    const refused = await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`);
    expect(await errorOf(refused)).toMatchObject({ status: 409, code: "LIMIT_EXCEEDED", details: { limit: 50, current: 50 } });
    expect(await statusOf(suggestion.id)).toBe("pending");
    expect(await taskCount(client.userId, "One too many")).toBe(0);
    await dbRows(sql`delete from task_instances where id = (select id from task_instances where user_id = ${client.userId} limit 1)`);
    await expectData(await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`), 201);
  });

  it("confirming twice: one task, then 409 SUGGESTION_NOT_PENDING; the same key replays", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_task", { title: "Only once" });
    const key = crypto.randomUUID();
    const first = await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`, { key });
    const firstBody = await first.text();
    expect(first.status).toBe(201);
    const replay = await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`, { key });
    expect(replay.status).toBe(201);
    expect(replay.headers.get("Idempotent-Replayed")).toBe("true");
    expect(await replay.text()).toBe(firstBody);
    const again = await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`);
    expect(await errorOf(again)).toMatchObject({ status: 409, code: "SUGGESTION_NOT_PENDING" });
    expect(await taskCount(client.userId, "Only once")).toBe(1);
  });

  it("5 parallel confirms → exactly one task, the others 409 SUGGESTION_NOT_PENDING", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_task", { title: "Raced" });
    const responses = await Promise.all(Array.from({ length: 5 }, () => client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`)));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([201, 409, 409, 409, 409]);
    for (const response of responses.filter((r) => r.status === 409)) expect((await errorOf(response)).code).toBe("SUGGESTION_NOT_PENDING");
    expect(await taskCount(client.userId, "Raced")).toBe(1);
    const entries = await dbRows<{ n: number }>(sql`select count(*)::int as n from activity_log where user_id = ${client.userId} and entity_type = 'task' and action = 'created'`);
    expect(entries[0]?.n).toBe(1);
  });
});

describe("what cannot be confirmed", () => {
  it("expired (past 24 h, before or after the sweep) → 409, and it reads as expired", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_task", { title: "Too late" });
    const later = await clientAt(client, new Date(Date.parse(suggestion.expires_at) + 1000).toISOString());
    expect(await expectData<Suggestion>(await later.request("GET", `/ai/suggestions/${suggestion.id}`))).toMatchObject({ status: "expired", resolved_at: suggestion.expires_at });
    expect(await errorOf(await later.request("POST", `/ai/suggestions/${suggestion.id}/confirm`))).toMatchObject({ status: 409, code: "SUGGESTION_NOT_PENDING" });
    expect(await errorOf(await later.request("POST", `/ai/suggestions/${suggestion.id}/reject`))).toMatchObject({ status: 409, code: "SUGGESTION_NOT_PENDING" });
    expect(await taskCount(client.userId, "Too late")).toBe(0);
    expect(await statusOf(suggestion.id)).toBe("pending");
  });

  it("rejected → rejected; confirming it then → 409", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_task", { title: "No thanks" });
    expect(await expectData<Suggestion>(await client.request("POST", `/ai/suggestions/${suggestion.id}/reject`))).toMatchObject({ status: "rejected" });
    expect(await errorOf(await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`))).toMatchObject({ status: 409, code: "SUGGESTION_NOT_PENDING" });
    expect(await taskCount(client.userId, "No thanks")).toBe(0);
  });

  it("another user's suggestion → 404 on get, confirm and reject; it stays pending", async () => {
    const [owner, other] = await Promise.all([newClient(), newClient()]);
    const suggestion = await proposeAction(owner, "create_task", { title: "Mine" });
    for (const [method, path] of [
      ["GET", `/ai/suggestions/${suggestion.id}`],
      ["POST", `/ai/suggestions/${suggestion.id}/confirm`],
      ["POST", `/ai/suggestions/${suggestion.id}/reject`],
    ] as const) {
      expect(await errorOf(await other.request(method, path))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    }
    expect(await statusOf(suggestion.id)).toBe("pending");
    expect(await expectData<Suggestion[]>(await other.request("GET", "/ai/suggestions"))).toEqual([]);
  });

  it("a proposal naming another user's task is never stored, so it can never be confirmed", async () => {
    const [owner, other] = await Promise.all([newClient(), newClient()]);
    const task = await createTask(owner);
    const outcome = await propose(other.userId, { kind: "subtasks", taskId: task.id, payload: { subtasks: [{ title: "Sneaky" }] }, interactionId: crypto.randomUUID() });
    expect(outcome.stored).toBe(false);
    expect(await dbRows(sql`select id from ai_suggestions where user_id = ${other.userId}`)).toEqual([]);
  });
});

describe("GET /ai/suggestions", () => {
  it("newest first, filtered by status, cursor pages", async () => {
    const client = await newClient();
    const made: Suggestion[] = [];
    for (const title of ["a", "b", "c"]) made.push(await proposeAction(client, "create_task", { title }));
    await client.request("POST", `/ai/suggestions/${made[0]?.id}/reject`);
    const first = (await (await client.request("GET", "/ai/suggestions?status=pending&limit=1")).json()) as { data: Suggestion[]; next_cursor: string | null };
    expect(first.data.map((s) => s.payload.title)).toEqual(["c"]);
    expect(first.next_cursor).not.toBeNull();
    const second = (await (await client.request("GET", `/ai/suggestions?status=pending&limit=1&cursor=${encodeURIComponent(first.next_cursor ?? "")}`)).json()) as { data: Suggestion[]; next_cursor: string | null };
    expect(second.data.map((s) => s.payload.title)).toEqual(["b"]);
    expect(second.next_cursor).toBeNull();
    expect((await expectData<Suggestion[]>(await client.request("GET", "/ai/suggestions?status=rejected"))).map((s) => s.id)).toEqual([made[0]?.id]);
    expect(await expectData<Suggestion[]>(await client.request("GET", "/ai/suggestions"))).toHaveLength(3);
  });
});
