import { describe, expect, it } from "vitest";
import { createTask, dbRows, newClient, sql } from "../../support/factories";
import { propose, proposeAction } from "./suggestions-support";

const rowsOf = (userId: string) => dbRows<{ id: string; status: string; kind: string; action_type: string | null; task_id: string | null }>(sql`
  select id, status, kind, action_type, task_id from ai_suggestions where user_id = ${userId} order by created_at`);

describe("storing suggestions (addSuggestionNow)", () => {
  it("a valid proposal is stored pending, expiring 24 h later, and answered as the API shows it", async () => {
    const client = await newClient();
    const suggestion = await proposeAction(client, "create_task", { title: "Plan the week", priority: "high" });
    expect(suggestion).toMatchObject({ kind: "chat_action", action_type: "create_task", status: "pending", payload: { title: "Plan the week", priority: "high" }, resolved_at: null });
    expect(Date.parse(suggestion.expires_at) - Date.parse(suggestion.created_at)).toBe(24 * 3600 * 1000);
    expect(await rowsOf(client.userId)).toEqual([{ id: suggestion.id, status: "pending", kind: "chat_action", action_type: "create_task", task_id: null }]);
  });

  it("an invalid payload, an unknown action type or an unknown field is dropped and never stored", async () => {
    const client = await newClient();
    const base = { kind: "chat_action" as const, conversationId: crypto.randomUUID(), interactionId: crypto.randomUUID() };
    const outcomes = await Promise.all([
      propose(client.userId, { ...base, actionType: "create_task", payload: { title: "" } }),
      propose(client.userId, { ...base, actionType: "create_task", payload: { title: "x", colour: "red" } }),
      propose(client.userId, { ...base, actionType: "delete_everything", payload: {} }),
      propose(client.userId, { ...base, actionType: "update_task", payload: { task_id: crypto.randomUUID(), title: "no version" } }),
      propose(client.userId, { ...base, actionType: "create_reminder", payload: { task_id: "not-a-uuid", offset_minutes: -60 } }),
      propose(client.userId, { kind: "subtasks", taskId: crypto.randomUUID(), payload: { subtasks: [] }, interactionId: crypto.randomUUID() }),
    ]);
    for (const outcome of outcomes) expect(outcome).toMatchObject({ stored: false, reason: expect.any(String) });
    expect(await rowsOf(client.userId)).toEqual([]);
  });

  it("a proposal naming another user's task (or no task at all) is dropped, never stored", async () => {
    const [owner, other] = await Promise.all([newClient(), newClient()]);
    const task = await createTask(owner, { title: "Mine" });
    const foreign = await propose(other.userId, {
      kind: "chat_action",
      actionType: "complete_task",
      payload: { task_id: task.id },
      conversationId: crypto.randomUUID(),
      interactionId: crypto.randomUUID(),
    });
    const missing = await propose(other.userId, { kind: "subtasks", taskId: crypto.randomUUID(), payload: { subtasks: [{ title: "x" }] }, interactionId: crypto.randomUUID() });
    expect(foreign).toMatchObject({ stored: false });
    expect(missing).toMatchObject({ stored: false });
    expect(await rowsOf(other.userId)).toEqual([]);
    const own = await proposeAction(owner, "complete_task", { task_id: task.id });
    expect(own).toMatchObject({ task_id: task.id, payload: { task_id: task.id } });
  });
});
