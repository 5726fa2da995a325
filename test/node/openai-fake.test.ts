import { randomUUID } from "node:crypto";
import OpenAI from "openai";
import { Agent, OpenAIProvider, Runner, setTracingDisabled, tool } from "@openai/agents";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { z } from "zod";
import { OPENAI_TEST_KEY } from "../fakes/node/openai.ts";
import type { ModelRequestRecord, ModelScript } from "../fakes/node/openai-script.ts";

/**
 * The OpenAI fake (test/fakes/node/openai.ts) driven by the real clients the Worker uses: `openai` v7's
 * `responses.create` and `@openai/agents`' run loop over OpenAIResponsesModel. If these pass, what product
 * code sees from the fake is what those SDKs make of the real API's wire format.
 */
const origin = inject("openaiUrl");
const client = new OpenAI({ baseURL: `${origin}/v1`, apiKey: OPENAI_TEST_KEY, maxRetries: 0 });
const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: true }), model: "gpt-4.1-mini" });
const unique = (label: string): string => `${label}-${randomUUID()}`;

beforeAll(() => setTracingDisabled(true));

async function script(body: ModelScript): Promise<void> {
  const response = await fetch(`${origin}/_control/scripts`, { method: "POST", body: JSON.stringify(body) });
  expect(response.status).toBe(201);
}

async function requests(match: string): Promise<ModelRequestRecord[]> {
  return ((await (await fetch(`${origin}/_control/requests?match=${encodeURIComponent(match)}`)).json()) as { requests: ModelRequestRecord[] }).requests;
}

const schema = {
  type: "object",
  properties: { title: { type: "string", minLength: 1 }, minutes: { type: "integer", minimum: 5 }, tags: { type: "array", items: { type: "string" } } },
  required: ["title", "minutes", "tags"],
  additionalProperties: false,
};
const jsonFormat = (value: Record<string, unknown>) => ({ format: { type: "json_schema" as const, name: "plan", strict: true, schema: value } });

describe("openai SDK against the fake", () => {
  it("answers a scripted non-streaming text response with the Response object's fields", async () => {
    const match = unique("sdk-text");
    await script({ match, turns: [{ text: ["Hello ", "world."], usage: { input_tokens: 12, output_tokens: 3 } }] });
    const response = await client.responses.create({ model: "gpt-4.1-mini", instructions: "Be brief.", input: `Say hello (${match})` });
    expect(response).toMatchObject({ object: "response", status: "completed", model: "gpt-4.1-mini", output_text: "Hello world.", instructions: "Be brief.", error: null });
    expect(response.id).toMatch(/^resp_/);
    expect(response.output).toEqual([expect.objectContaining({ type: "message", role: "assistant", status: "completed", content: [{ type: "output_text", text: "Hello world.", annotations: [], logprobs: [] }] })]);
    expect(response.usage).toEqual({ input_tokens: 12, output_tokens: 3, total_tokens: 15, input_tokens_details: { cached_tokens: 0 }, output_tokens_details: { reasoning_tokens: 0 } });
    const [record] = await requests(match);
    expect(record).toMatchObject({ id: response.id, script: match, turn: 0, stream: false, authorized: true, status: 200, outcome: "completed" });
    expect(record?.body).toMatchObject({ model: "gpt-4.1-mini", instructions: "Be brief.", input: `Say hello (${match})` });
  });

  it("refuses a wrong key with 401 and OpenAI's error body", async () => {
    const wrong = new OpenAI({ baseURL: `${origin}/v1`, apiKey: "sk-wrong", maxRetries: 0 });
    const error = await wrong.responses.create({ model: "gpt-4.1-mini", input: "hi" }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(error).toMatchObject({ status: 401, code: "invalid_api_key", type: "invalid_request_error", param: null });
  });

  it("streams the real event sequence, one delta per chunk, numbered in order", async () => {
    const match = unique("sdk-stream");
    await script({ match, turns: [{ text: ["One, ", "two, ", "three."], first_token_delay_ms: 60, chunk_delay_ms: 5 }] });
    const stream = await client.responses.create({ model: "gpt-4.1-mini", input: [{ role: "user", content: `Count (${match})` }], stream: true });
    const events = [];
    for await (const event of stream) events.push(event);
    expect(events.map((event) => event.type)).toEqual([
      "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
      "response.output_text.delta", "response.output_text.delta", "response.output_text.delta",
      "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    expect(events.flatMap((event) => (event.type === "response.output_text.delta" ? [event.delta] : []))).toEqual(["One, ", "two, ", "three."]);
    const created = events[0];
    const completed = events.at(-1);
    expect(created?.type === "response.created" && created.response).toMatchObject({ status: "in_progress", output: [] });
    expect(completed?.type === "response.completed" && completed.response).toMatchObject({ status: "completed", output: [{ type: "message", content: [{ text: "One, two, three." }] }] });
    const [record] = await requests(match);
    expect(record).toMatchObject({ stream: true, outcome: "completed", status: 200 });
    expect((record?.first_token_at ?? 0) - (record?.received_at ?? 0)).toBeGreaterThanOrEqual(50);
  });

  it("makes scripted tool calls, answers the next turn after the tool output, and refuses a tool the request does not offer", async () => {
    const match = unique("sdk-tools");
    await script({ match, turns: [{ tool_calls: [{ name: "list_tasks", arguments: { limit: 3 } }] }, { text: ["You have 2 tasks."] }] });
    const tools = [{ type: "function" as const, name: "list_tasks", description: "List tasks", strict: true, parameters: { type: "object", properties: { limit: { type: "integer" } }, required: ["limit"], additionalProperties: false } }];
    const first = await client.responses.create({ model: "gpt-4.1-mini", input: [{ role: "user", content: `My tasks? ${match}` }], tools });
    const call = first.output[0];
    expect(call).toMatchObject({ type: "function_call", name: "list_tasks", arguments: '{"limit":3}', status: "completed" });
    if (call?.type !== "function_call") throw new Error("expected a function call");
    expect(call.call_id).toMatch(/^call_/);
    expect(call.id).toMatch(/^fc_/);
    const second = await client.responses.create({
      model: "gpt-4.1-mini", tools,
      input: [{ role: "user", content: `My tasks? ${match}` }, call, { type: "function_call_output", call_id: call.call_id, output: "[1,2]" }],
    });
    expect(second.output_text).toBe("You have 2 tasks.");
    expect((await requests(match)).map((record) => record.turn)).toEqual([0, 1]);

    const undeclared = await client.responses.create({ model: "gpt-4.1-mini", input: `My tasks? ${match}` }).catch((caught: unknown) => caught);
    expect(undeclared).toBeInstanceOf(OpenAI.InternalServerError);
    expect((await requests(match)).at(-1)?.fake_error).toContain("calls tool 'list_tasks', the request offers []");
  });

  it("streams a function call as arguments deltas", async () => {
    const match = unique("sdk-stream-tool");
    await script({ match, turns: [{ tool_calls: [{ name: "add_task", arguments: { title: "A fairly long task title to split" } }] }] });
    const stream = await client.responses.create({
      model: "gpt-4.1-mini", stream: true, input: match,
      tools: [{ type: "function", name: "add_task", strict: false, parameters: { type: "object", properties: { title: { type: "string" } } } }],
    });
    const events = [];
    for await (const event of stream) events.push(event);
    const deltas = events.flatMap((event) => (event.type === "response.function_call_arguments.delta" ? [event.delta] : []));
    expect(deltas.length).toBeGreaterThan(1);
    expect(JSON.parse(deltas.join(""))).toEqual({ title: "A fairly long task title to split" });
    expect(events.find((event) => event.type === "response.function_call_arguments.done")).toMatchObject({ arguments: deltas.join("") });
    expect(events.find((event) => event.type === "response.output_item.added")).toMatchObject({ item: { type: "function_call", name: "add_task", arguments: "", status: "in_progress" } });
  });

  it("accepts structured output that fits the strict schema, and answers the minimal instance without a script", async () => {
    const match = unique("sdk-json");
    await script({ match, turns: [{ json: { title: "Write report", minutes: 30, tags: ["work"] } }] });
    const response = await client.responses.create({ model: "gpt-4.1-mini", input: match, text: jsonFormat(schema) });
    expect(JSON.parse(response.output_text)).toEqual({ title: "Write report", minutes: 30, tags: ["work"] });
    const unscripted = await client.responses.create({ model: "gpt-4.1-mini", input: unique("no-script"), text: jsonFormat(schema) });
    expect(JSON.parse(unscripted.output_text)).toEqual({ title: "x", minutes: 5, tags: [] });
    const plain = await client.responses.create({ model: "gpt-4.1-mini", input: unique("no-script") });
    expect(plain.output_text).toBe("This is the fake model's default answer.");
  });

  it("refuses a schema strict mode forbids (400, like the API) and a scripted answer that does not fit (500, a broken test)", async () => {
    const match = unique("sdk-json-bad");
    await script({ match, turns: [{ json: { title: "", minutes: 2, tags: ["work"] } }] });
    const loose = { ...schema, additionalProperties: true };
    const refused = await client.responses.create({ model: "gpt-4.1-mini", input: match, text: jsonFormat(loose) }).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect(refused).toMatchObject({ status: 400, type: "invalid_request_error", param: "text.format.schema", code: "invalid_json_schema" });
    const broken = await client.responses.create({ model: "gpt-4.1-mini", input: match, text: jsonFormat(schema) }).catch((caught: unknown) => caught);
    expect(broken).toBeInstanceOf(OpenAI.InternalServerError);
    expect((await requests(match)).at(-1)?.fake_error).toMatch(/\$\.title: shorter than minLength 1; \$\.minutes: below minimum 5/);
  });

  it("fails the way it is told: HTTP status, response.failed, an error event, a stalled stream, no answer at all", async () => {
    const match = unique("sdk-faults");
    await script({ match, turns: [{ status: 429 }] });
    await expect(client.responses.create({ model: "gpt-4.1-mini", input: match })).rejects.toBeInstanceOf(OpenAI.RateLimitError);

    await script({ match, turns: [{ text: ["a", "b", "c"], fail_after_chunks: 1 }] });
    const failed = [];
    for await (const event of await client.responses.create({ model: "gpt-4.1-mini", input: match, stream: true })) failed.push(event);
    expect(failed.map((event) => event.type).slice(-2)).toEqual(["response.output_text.delta", "response.failed"]);
    expect(failed.at(-1)).toMatchObject({ response: { status: "failed", error: { code: "server_error" } } });

    await script({ match, turns: [{ text: ["a", "b"], fail_after_chunks: 1, fail_with: "error" }] });
    const errorStream = await client.responses.create({ model: "gpt-4.1-mini", input: match, stream: true });
    const drained = (async () => {
      for await (const event of errorStream) void event;
    })();
    await expect(drained).rejects.toBeInstanceOf(OpenAI.APIError);

    await script({ match, turns: [{ text: ["a", "b"], hang_after_chunks: 1 }] });
    const controller = new AbortController();
    const stalled = await client.responses.create({ model: "gpt-4.1-mini", input: match, stream: true }, { signal: controller.signal });
    const seen: string[] = [];
    for await (const event of stalled) {
      seen.push(event.type);
      if (event.type === "response.output_text.delta") controller.abort();
    }
    expect(seen.at(-1)).toBe("response.output_text.delta");

    await script({ match, turns: [{ hang: true }] });
    await expect(client.responses.create({ model: "gpt-4.1-mini", input: match }, { timeout: 200 })).rejects.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    const records = await requests(match);
    expect(records.map((record) => record.outcome)).toEqual(["http_error", "failed", "error_event", "hung", "hung"]);
    expect(records.map((record) => record.status)).toEqual([429, 200, 200, 200, 0]);
  });
});

describe("control API", () => {
  it("applies a global first-token delay to every request", async () => {
    const match = unique("config");
    await script({ match, turns: [{ text: ["slow"] }] });
    const configured = await fetch(`${origin}/_control/config`, { method: "POST", body: JSON.stringify({ first_token_delay_ms: 150 }) });
    try {
      expect(await configured.json()).toEqual({ first_token_delay_ms: 150 });
      await client.responses.create({ model: "gpt-4.1-mini", input: match });
    } finally {
      await fetch(`${origin}/_control/config`, { method: "POST", body: "{}" });
    }
    const [record] = await requests(match);
    expect((record?.first_token_at ?? 0) - (record?.received_at ?? 0)).toBeGreaterThanOrEqual(140);
  });
});

describe("@openai/agents run loop against the fake", () => {
  it("executes a zod tool the model calls and returns the model's final answer", async () => {
    const match = unique("agents-tool");
    await script({ match, turns: [{ tool_calls: [{ name: "count_tasks", arguments: { status: "open" } }] }, { text: ["You have ", "4 open tasks."] }] });
    const calls: string[] = [];
    const countTasks = tool({
      name: "count_tasks",
      description: "Counts the user's tasks in a status",
      parameters: z.object({ status: z.enum(["open", "done"]) }),
      execute: ({ status }) => {
        calls.push(status);
        return { count: 4 };
      },
    });
    const agent = new Agent({ name: "Planner", instructions: `You plan tasks for ${match}.`, tools: [countTasks] });
    const result = await runner.run(agent, "How many open tasks do I have?");
    expect(calls).toEqual(["open"]);
    expect(result.finalOutput).toBe("You have 4 open tasks.");
    const [first, second] = await requests(match);
    expect(first?.body).toMatchObject({
      model: "gpt-4.1-mini", instructions: `You plan tasks for ${match}.`, stream: false,
      tools: [{ type: "function", name: "count_tasks", strict: true, parameters: { type: "object", required: ["status"], additionalProperties: false } }],
    });
    const output = (second?.body as { input: { type?: string; output?: unknown }[] }).input.find((item) => item.type === "function_call_output");
    expect(output?.output).toBe('{"count":4}');
  });

  it("passes a zod outputType as a strict json_schema and parses the structured answer", async () => {
    const match = unique("agents-output");
    await script({ match, turns: [{ json: { title: "Call the bank", minutes: 15 } }] });
    const agent = new Agent({ name: "Suggester", instructions: `Suggest one task (${match}).`, outputType: z.object({ title: z.string(), minutes: z.number().int() }) });
    const result = await runner.run(agent, "Suggest something");
    expect(result.finalOutput).toEqual({ title: "Call the bank", minutes: 15 });
    const [record] = await requests(match);
    expect(record?.body).toMatchObject({ text: { format: { type: "json_schema", name: "output", strict: true, schema: { type: "object", additionalProperties: false, required: ["title", "minutes"] } } } });
  });

  it("streams a run's text deltas in order, then the final output", async () => {
    const match = unique("agents-stream");
    await script({ match, turns: [{ text: ["Focus ", "on ", "one ", "thing."], chunk_delay_ms: 2 }] });
    const agent = new Agent({ name: "Coach", instructions: `Coach ${match}.` });
    const result = await runner.run(agent, "Help me focus", { stream: true });
    const deltas: string[] = [];
    for await (const event of result) {
      if (event.type === "raw_model_stream_event" && event.data.type === "output_text_delta") deltas.push(event.data.delta);
    }
    await result.completed;
    expect(deltas).toEqual(["Focus ", "on ", "one ", "thing."]);
    expect(result.finalOutput).toBe("Focus on one thing.");
    expect((await requests(match))[0]).toMatchObject({ stream: true, outcome: "completed" });
  });

  it("reports a throwing tool to the model as the tool's output, not as a run failure", async () => {
    const match = unique("agents-tool-error");
    await script({ match, turns: [{ tool_calls: [{ name: "break_things", arguments: {} }] }, { text: ["Sorry, that failed."] }] });
    const breakThings = tool({ name: "break_things", description: "Fails", parameters: z.object({}), execute: () => { throw new Error("database is down"); } });
    const result = await runner.run(new Agent({ name: "Fragile", instructions: match, tools: [breakThings] }), "Go");
    expect(result.finalOutput).toBe("Sorry, that failed.");
    const second = (await requests(match))[1];
    const output = (second?.body as { input: { type?: string; output?: unknown }[] }).input.find((item) => item.type === "function_call_output");
    expect(output?.output).toBe("An error occurred while running the tool. Please try again.");
  });
});
