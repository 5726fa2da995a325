import { describe, expect, it } from "vitest";
import { signIn } from "../../support/auth";
import { clientOf, createTask, dbRows, errorOf, expectData, newClient, sql } from "../../support/factories";
import { modelRequests, scriptModel } from "../../support/openai";
import { grantLot } from "../credits/support";
import { chat, chatLedger, openChat } from "./chat-support";

/**
 * `POST /ai/chat` (docs/ai.md#assistant-chat) against the OpenAI fake: the Responses stream relayed as SSE
 * deltas, read-only tools over the caller's own data, suggest_action → a stored suggestion, one credit
 * per message settled once.
 */
describe("POST /ai/chat", () => {
  it("relays the answer as ordered deltas and one done; the first delta leaves before the model has finished", async () => {
    const client = await newClient();
    const marker = `hello-${crypto.randomUUID()}`;
    await scriptModel({ match: marker, turns: [{ text: ["Good ", "morning", ", here ", "is your day."], first_token_delay_ms: 100, chunk_delay_ms: 400 }] });
    const stream = await openChat(client, { message: `Hi ${marker}` });
    const first = await stream.nextEvent();
    const firstSeenAt = Date.now();
    expect(first).toMatchObject({ event: "delta", data: JSON.stringify({ text: "Good " }) });
    const rest = await stream.events(4);
    expect(rest.map((frame) => frame.event)).toEqual(["delta", "delta", "delta", "done"]);
    expect(rest.slice(0, 3).map((frame) => (JSON.parse(frame.data) as { text: string }).text)).toEqual(["morning", ", here ", "is your day."]);
    const done = JSON.parse(rest[3]?.data ?? "{}") as Record<string, unknown>;
    expect(done).toMatchObject({ credits_used: 1, credits_remaining: 4, ai_request_warning: false });
    await stream.checkContract();
    // No buffering: the client held the first delta before the fake had even sent its last one.
    const [record] = await modelRequests(marker);
    expect(record?.first_token_at).not.toBeNull();
    expect(record?.completed_at).not.toBeNull();
    expect(firstSeenAt).toBeLessThan(record?.completed_at ?? 0);
    // The conversation holds both turns.
    const conversation = await expectData<{ messages: { role: string; content: string }[] }>(await client.request("GET", `/ai/conversations/${String(done.conversation_id)}`));
    expect(conversation.messages.map((m) => [m.role, m.content])).toEqual([["user", `Hi ${marker}`], ["assistant", "Good morning, here is your day."]]);
    expect(await chatLedger(client.userId)).toEqual([{ kind: "consume", amount: -1, reason: "ai_chat" }]);
  });

  it("a successful chat writes its ai_interactions row: model, tokens, credits, latency, outcome – and no secret", async () => {
    const client = await newClient();
    const marker = `audit-${crypto.randomUUID()}`;
    const task = await createTask(client, { title: `Plan the offsite ${marker}` });
    await scriptModel({ match: marker, turns: [{ text: ["Start with ", "the venue."], first_token_delay_ms: 50, usage: { input_tokens: 321, output_tokens: 12 } }] });
    const sentAt = Date.now();
    const answer = await chat(client, { message: `How do I start? ${marker}`, task_id: task.id });
    const elapsedMs = Date.now() - sentAt;
    expect(answer.frames.map((frame) => frame.event)).toEqual(["delta", "delta", "done"]);
    const [request] = await modelRequests(marker);
    const body = request?.body;
    const sent: Record<string, unknown> = typeof body === "object" && body !== null ? Object.fromEntries(Object.entries(body)) : {};
    const logged = await dbRows<Record<string, unknown>>(sql`select * from ai_interactions where user_id = ${client.userId}`);
    expect(logged).toHaveLength(1);
    const row = logged[0] ?? {};
    expect(row).toMatchObject({
      kind: "chat",
      outcome: "success",
      model: sent.model,
      prompt_tokens: 321,
      completion_tokens: 12,
      credits: 1,
      task_id: task.id,
      conversation_id: answer.frames[2]?.data.conversation_id,
      error: null,
    });
    expect(typeof row.model === "string" && row.model.length > 0).toBe(true);
    // The latency is the model call's own: at least the fake's first-token delay, at most the whole request.
    expect(Number(row.latency_ms)).toBeGreaterThanOrEqual(50);
    expect(Number(row.latency_ms)).toBeLessThanOrEqual(elapsedMs);
    expect(String(row.input_summary)).toContain(`How do I start? ${marker}`);
    expect(String(row.input_summary)).toContain("Plan the offsite");
    expect(row.output).toMatchObject({ text: "Start with the venue." });
    // Never the caller's token, the API key, or the system prompt the model was given.
    const instructions = typeof sent.instructions === "string" ? sent.instructions : "";
    expect(instructions.length).toBeGreaterThan(40);
    const stored = JSON.stringify(row);
    expect(stored).not.toContain(client.accessToken);
    expect(stored).not.toContain(client.accessToken.split(".")[2] ?? "-");
    expect(stored).not.toContain("sk-test-perpetua");
    expect(stored).not.toContain(instructions.slice(0, 40));
  });

  it("a tool reads only the caller's tasks: another user's task id answers not found", async () => {
    const owner = await newClient();
    const caller = await newClient();
    const secret = await createTask(owner, { title: `Owner's secret ${crypto.randomUUID()}` });
    const mine = await createTask(caller, { title: "Water the plants" });
    const marker = `tools-${crypto.randomUUID()}`;
    await scriptModel({
      match: marker,
      turns: [{ tool_calls: [{ name: "get_task", arguments: { task_id: secret.id } }, { name: "list_tasks", arguments: { q: null, completed: null, limit: 50 } }] }, { text: ["You have one task."] }],
    });
    const answer = await chat(caller, { message: `What do I have? ${marker}` });
    expect(answer.frames.map((frame) => frame.event)).toEqual(["delta", "done"]);
    const requests = await modelRequests(marker);
    const outputs = JSON.stringify(requests[1]?.body);
    expect(outputs).toContain("Task not found.");
    expect(outputs).toContain(mine.id);
    expect(outputs).not.toContain(secret.title);
    expect(outputs).not.toContain(secret.id.slice(0, 8) + "\\\"");
  });

  it("suggest_action becomes a stored suggestion and a suggestion event; confirming it creates the task with actor ai", async () => {
    const client = await newClient();
    const marker = `suggest-${crypto.randomUUID()}`;
    await scriptModel({
      match: marker,
      turns: [
        { tool_calls: [{ name: "suggest_action", arguments: { action_type: "create_task", payload_json: JSON.stringify({ title: "Buy a birthday present", priority: "high" }) } }] },
        { text: ["I suggested a task."] },
      ],
    });
    const answer = await chat(client, { message: `Remind me of the present ${marker}` });
    expect(answer.frames.map((frame) => frame.event)).toEqual(["suggestion", "delta", "done"]);
    const suggestion = answer.frames[0]?.data as { id: string; action_type: string; status: string; conversation_id: string };
    expect(suggestion).toMatchObject({ action_type: "create_task", status: "pending", conversation_id: answer.frames[2]?.data.conversation_id });
    const confirmed = await expectData<{ result: { id: string; title: string } }>(await client.request("POST", `/ai/suggestions/${suggestion.id}/confirm`), 201);
    expect(confirmed.result.title).toBe("Buy a birthday present");
    const history = await dbRows<{ actor: string }>(sql`select actor from activity_log where entity_id = ${confirmed.result.id}`);
    expect(history).toEqual([{ actor: "ai" }]);
  });

  it("an invalid payload proposed by the model is never stored; the model is told why", async () => {
    const client = await newClient();
    const marker = `invalid-${crypto.randomUUID()}`;
    await scriptModel({
      match: marker,
      turns: [{ tool_calls: [{ name: "suggest_action", arguments: { action_type: "create_task", payload_json: JSON.stringify({ title: "", priority: "urgent" }) } }] }, { text: ["Sorry."] }],
    });
    const answer = await chat(client, { message: `Make a task ${marker}` });
    expect(answer.frames.map((frame) => frame.event)).toEqual(["delta", "done"]);
    expect(await dbRows(sql`select 1 from ai_suggestions where user_id = ${client.userId}`)).toEqual([]);
    expect(JSON.stringify((await modelRequests(marker))[1]?.body)).toContain("stored\\\":false");
  });

  it("with 5 credits, 10 parallel chats (distinct keys) → exactly 5 answered, 5 × 402", async () => {
    const client = await newClient();
    const marker = `parallel-${crypto.randomUUID()}`;
    await scriptModel({ match: marker, turns: [{ text: ["ok"] }] });
    const answers = await Promise.all(Array.from({ length: 10 }, () => client.request("POST", "/ai/chat", { body: { message: `go ${marker}` } })));
    const statuses = await Promise.all(answers.map(async (response) => ({ status: response.status, body: await response.text() })));
    expect(statuses.filter((answer) => answer.status === 200)).toHaveLength(5);
    const refused = statuses.filter((answer) => answer.status === 402);
    expect(refused).toHaveLength(5);
    expect(refused.every((answer) => answer.body.includes("INSUFFICIENT_CREDITS"))).toBe(true);
    expect((await chatLedger(client.userId)).filter((row) => row.kind === "consume")).toHaveLength(5);
    expect(await modelRequests(marker)).toHaveLength(5);
  });

  it("a model 500 and a model that never answers → an error event and the credit back; nothing stored", async () => {
    const client = await newClient();
    const marker = `broken-${crypto.randomUUID()}`;
    await scriptModel({ match: `${marker}-500`, turns: [{ status: 500 }] });
    await scriptModel({ match: `${marker}-hang`, turns: [{ hang: true }] });
    await scriptModel({ match: `${marker}-cut`, turns: [{ text: ["Half an ", "answer"], fail_after_chunks: 1 }] });
    const failed = await chat(client, { message: `a ${marker}-500` });
    expect(failed.frames).toEqual([{ event: "error", data: expect.objectContaining({ code: "AI_SERVICE_UNAVAILABLE" }) }]);
    const hung = await chat(client, { message: `b ${marker}-hang` });
    expect(hung.frames).toEqual([{ event: "error", data: expect.objectContaining({ code: "AI_SERVICE_UNAVAILABLE", message: expect.stringMatching(/in time/) }) }]);
    const cut = await chat(client, { message: `c ${marker}-cut` });
    expect(cut.frames.map((frame) => frame.event)).toEqual(["delta", "error"]);
    const rows = await chatLedger(client.userId);
    expect(rows.map((row) => [row.kind, row.amount])).toEqual([["consume", -1], ["refund", 1], ["consume", -1], ["refund", 1], ["consume", -1], ["refund", 1]]);
    const logged = await dbRows<{ outcome: string; credits: number }>(sql`select outcome, credits from ai_interactions where user_id = ${client.userId} order by created_at`);
    expect(logged).toEqual([{ outcome: "failure", credits: 0 }, { outcome: "timeout", credits: 0 }, { outcome: "failure", credits: 0 }]);
    expect(await dbRows(sql`select 1 from ai_conversations where user_id = ${client.userId}`)).toEqual([]);
  });

  it("a retried chat with the same Idempotency-Key replays the stream: one charge, one model call", async () => {
    const client = await newClient();
    const marker = `retry-${crypto.randomUUID()}`;
    await scriptModel({ match: marker, turns: [{ text: ["Once ", "only."] }] });
    const key = crypto.randomUUID();
    const first = await chat(client, { message: `once ${marker}` }, { key });
    const again = await chat(client, { message: `once ${marker}` }, { key });
    expect(again.status).toBe(200);
    expect(again.text).toBe(first.text);
    expect(again.response.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect(await modelRequests(marker)).toHaveLength(1);
    expect(await chatLedger(client.userId)).toHaveLength(1);
  });

  it("per task and session: the 5th request warns, the 11th is 429, a new session starts at zero", async () => {
    const signed = await signIn();
    const client = clientOf(signed);
    await grantLot(client.userId, { kind: "purchased", amount: 20 });
    const task = await createTask(client, { title: `Counted ${crypto.randomUUID()}` });
    const marker = `count-${crypto.randomUUID()}`;
    await scriptModel({ match: marker, turns: [{ text: ["ok"] }] });
    const warnings: unknown[] = [];
    for (let i = 1; i <= 10; i += 1) {
      const answer = await chat(client, { message: `${i} ${marker}`, task_id: task.id });
      warnings.push(answer.frames.at(-1)?.data.ai_request_warning);
    }
    expect(warnings).toEqual([false, false, false, false, true, true, true, true, true, true]);
    const refused = await client.request("POST", "/ai/chat", { body: { message: `11 ${marker}`, task_id: task.id } });
    expect(await errorOf(refused)).toMatchObject({ status: 429, code: "AI_TASK_LIMIT_REACHED" });
    expect((await chatLedger(client.userId)).filter((row) => row.kind === "consume")).toHaveLength(10);
    // A new sign-in of the same account is a new login session: its count starts at zero.
    const again = clientOf(await signIn({ sub: signed.googleSub }));
    expect(again.userId).toBe(client.userId);
    const fresh = await chat(again, { message: `new session ${marker}`, task_id: task.id });
    expect(fresh.frames.at(-1)).toMatchObject({ event: "done", data: { ai_request_warning: false } });
  });

  it("another user's conversation or task → 404 before any charge", async () => {
    const owner = await newClient();
    const other = await newClient();
    const marker = `mine-${crypto.randomUUID()}`;
    await scriptModel({ match: marker, turns: [{ text: ["ok"] }] });
    const started = await chat(owner, { message: `start ${marker}` });
    const conversationId = String(started.frames.at(-1)?.data.conversation_id);
    const task = await createTask(owner, { title: "Owner's" });
    expect(await errorOf(await other.request("POST", "/ai/chat", { body: { message: `x ${marker}`, conversation_id: conversationId } }))).toMatchObject({ status: 404 });
    expect(await errorOf(await other.request("POST", "/ai/chat", { body: { message: `x ${marker}`, task_id: task.id } }))).toMatchObject({ status: 404 });
    expect(await errorOf(await other.request("GET", `/ai/conversations/${conversationId}`))).toMatchObject({ status: 404 });
    expect(await chatLedger(other.userId)).toEqual([]);
    const listed = await expectData<{ id: string }[]>(await owner.request("GET", "/ai/conversations"));
    expect(listed.map((c) => c.id)).toEqual([conversationId]);
    expect((await owner.request("DELETE", `/ai/conversations/${conversationId}`)).status).toBe(204);
    expect(await expectData<unknown[]>(await owner.request("GET", "/ai/conversations"))).toEqual([]);
  });
});
