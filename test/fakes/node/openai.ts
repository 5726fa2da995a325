import type { IncomingMessage, ServerResponse } from "node:http";
import { isRecord, minimalInstance, schemaViolations, strictSchemaProblem } from "./json-schema.ts";
import { listen, readBody, sendJson, type RunningServer } from "./http.ts";
import type { ModelConfig, ModelRequestRecord, ModelScript, ModelTurn } from "./openai-script.ts";
import {
  callItem, chunksOf, completedItem, errorBody, inputTexts, messageItem, newId, outputText, responseObject, statusError,
  toolNames, turnIndex, usageOf, type Json, type PlannedItem, type ResponseState,
} from "./openai-response.ts";

/**
 * OpenAI's Responses API (`POST /v1/responses`) as `openai` v7 and `@openai/agents`' OpenAIResponsesModel use
 * it, answering from scripts the tests register (docs/ai.md#testing-against-the-openai-fake):
 *
 * - `Authorization: Bearer <OPENAI_TEST_KEY>` or 401 with OpenAI's `{error: {message, type, param, code}}`.
 * - The answer comes from the latest script whose `match` occurs in the request's input or instructions, turn
 *   = rounds of `function_call_output` since the last user message; no script → a default text (or the
 *   smallest instance of the request's json_schema). Scripts never leak between parallel test files as
 *   long as each uses its own match string (a user id, a task title).
 * - Non-streaming: a Response object. `stream: true`: SSE `event: <type>` / `data: <json>` with the real event
 *   sequence and `sequence_number`s, each delta flushed on its own.
 * - A `strict` json_schema that breaks Structured Outputs' rules → 400 like the real API; a scripted answer
 *   that does not fit the schema, or calls a tool the request did not offer, is a broken test → 500 with the
 *   reason in the body and the request record (`fake_error`).
 * - `/_control/scripts`, `/_control/config`, `/_control/requests?match=` (what the Worker sent, timings).
 */
export const OPENAI_TEST_KEY = "sk-test-perpetua";

const DEFAULT_TEXT = ["This is ", "the fake model's ", "default answer."];

interface Plan {
  items: PlannedItem[];
  turn: ModelTurn;
}

export async function startOpenAIFake(): Promise<RunningServer> {
  const scripts: ModelScript[] = [];
  const records: ModelRequestRecord[] = [];
  let config: ModelConfig = {};
  const hanging = new Set<() => void>();

  const server = await listen(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://openai");
    if (request.method === "POST" && url.pathname === "/_control/scripts") {
      const script: unknown = JSON.parse((await readBody(request)).toString("utf8"));
      if (!isRecord(script) || typeof script.match !== "string" || script.match === "" || !Array.isArray(script.turns)) {
        return sendJson(response, 400, { error: "a script is {match: non-empty string, turns: ModelTurn[]}" });
      }
      scripts.push({ match: script.match, turns: script.turns.filter(isRecord) });
      return sendJson(response, 201, { scripts: scripts.length });
    }
    if (request.method === "POST" && url.pathname === "/_control/config") {
      const body: unknown = JSON.parse((await readBody(request)).toString("utf8"));
      config = isRecord(body) && typeof body.first_token_delay_ms === "number" ? { first_token_delay_ms: body.first_token_delay_ms } : {};
      return sendJson(response, 200, config);
    }
    if (request.method === "GET" && url.pathname === "/_control/requests") {
      const match = url.searchParams.get("match");
      return sendJson(response, 200, { requests: records.filter((record) => record.script === match) });
    }
    if (request.method !== "POST" || url.pathname !== "/v1/responses") {
      await readBody(request);
      return sendJson(response, 404, errorBody(`Invalid URL (${request.method ?? "GET"} ${url.pathname})`, "invalid_request_error"));
    }
    await answer(request, response);
  });

  async function answer(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = (await readBody(request)).toString("utf8");
    let body: Json | undefined;
    try {
      const parsed: unknown = JSON.parse(raw);
      body = isRecord(parsed) ? parsed : undefined;
    } catch {
      body = undefined;
    }
    const authorized = request.headers.authorization === `Bearer ${OPENAI_TEST_KEY}`;
    const haystack = body === undefined ? [] : [...inputTexts(body.input), typeof body.instructions === "string" ? body.instructions : ""];
    const script = authorized ? scripts.findLast((candidate) => haystack.some((text) => text.includes(candidate.match))) : undefined;
    const record: ModelRequestRecord = {
      id: newId("resp"),
      script: script?.match ?? null,
      turn: body === undefined ? 0 : turnIndex(body.input),
      stream: body?.stream === true,
      authorized,
      body: body ?? null,
      status: 0,
      outcome: "pending",
      received_at: Date.now(),
      first_token_at: null,
      completed_at: null,
    };
    records.push(record);
    const refuse = (status: number, error: Json, fakeError?: string): void => {
      Object.assign(record, { status, outcome: "http_error", completed_at: Date.now() }, fakeError === undefined ? {} : { fake_error: fakeError });
      sendJson(response, status, error);
    };

    if (!authorized) {
      const missing = request.headers.authorization === undefined;
      return refuse(401, errorBody(
        missing
          ? "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY)."
          : "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
        "invalid_request_error", null, missing ? null : "invalid_api_key",
      ));
    }
    if (body === undefined) {
      return refuse(400, errorBody("We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)", "invalid_request_error"));
    }
    if (typeof body.model !== "string") return refuse(400, errorBody("Missing required parameter: 'model'.", "invalid_request_error", "model", "missing_required_parameter"));
    const format = isRecord(body.text) && isRecord(body.text.format) ? body.text.format : undefined;
    const schema = format?.type === "json_schema" && isRecord(format.schema) ? format.schema : undefined;
    if (format?.type === "json_schema" && format.strict === true) {
      const problem = strictSchemaProblem(format.schema);
      if (problem !== undefined) {
        return refuse(400, errorBody(`Invalid schema for response_format '${String(format.name)}': ${problem}`, "invalid_request_error", "text.format.schema", "invalid_json_schema"));
      }
    }

    const plan = planTurn(body, script, record.turn, schema);
    if (typeof plan === "string") return refuse(500, errorBody(`OpenAI fake: ${plan}`, "fake_error"), plan);
    const { turn } = plan;
    if (turn.hang === true) {
      record.outcome = "hung";
      await untilClosed(response);
      return;
    }
    const firstDelay = turn.first_token_delay_ms ?? config.first_token_delay_ms ?? 0;
    if (turn.status !== undefined) {
      await sleep(firstDelay);
      return refuse(turn.status, statusError(turn.status));
    }
    const state: ResponseState = { id: record.id, createdAt: Math.floor(record.received_at / 1000), status: "in_progress", output: [], usage: null, error: null };
    response.on("close", () => {
      if (!response.writableFinished && record.outcome === "pending") {
        record.outcome = "aborted";
        record.completed_at = Date.now();
      }
    });
    if (body.stream === true) return stream(body, plan, firstDelay, state, record, response);

    await sleep(firstDelay);
    const failed = turn.fail_after_chunks !== undefined;
    state.output = plan.items.map(completedItem);
    state.usage = usageOf(body, plan.items, turn.usage);
    state.status = failed ? "failed" : "completed";
    if (failed) state.error = { code: "server_error", message: "An error occurred while processing your request." };
    Object.assign(record, { status: 200, outcome: failed ? "failed" : "completed", first_token_at: Date.now(), completed_at: Date.now() });
    sendJson(response, 200, responseObject(body, state));
  }

  /** The items a turn answers, or why the script is a broken test. */
  function planTurn(body: Json, script: ModelScript | undefined, index: number, schema: Json | undefined): Plan | string {
    const turn: ModelTurn | undefined = script === undefined ? {} : script.turns[index];
    if (turn === undefined) return `script '${script?.match ?? ""}' has ${script?.turns.length ?? 0} turn(s), the model was called for turn ${index}`;
    const items: PlannedItem[] = [];
    let text = turn.text;
    if (turn.json !== undefined) {
      if (schema === undefined) return `script '${script?.match ?? ""}' turn ${index} answers json but the request has no text.format json_schema`;
      const violations = schemaViolations(turn.json, schema);
      if (violations.length > 0) return `script '${script?.match ?? ""}' turn ${index} json does not fit the request's schema: ${violations.join("; ")}`;
      text = chunksOf(JSON.stringify(turn.json));
    }
    if (text === undefined && turn.tool_calls === undefined) text = schema === undefined ? DEFAULT_TEXT : chunksOf(JSON.stringify(minimalInstance(schema)));
    if (text !== undefined) items.push({ kind: "text", id: newId("msg"), chunks: text });
    const offered = toolNames(body);
    for (const call of turn.tool_calls ?? []) {
      if (!offered.includes(call.name)) return `script '${script?.match ?? ""}' turn ${index} calls tool '${call.name}', the request offers [${offered.join(", ")}]`;
      items.push({ kind: "call", id: newId("fc"), callId: newId("call").slice(0, 29), name: call.name, arguments: JSON.stringify(call.arguments) });
    }
    return { items, turn };
  }

  async function stream(body: Json, plan: Plan, firstDelay: number, state: ResponseState, record: ModelRequestRecord, response: ServerResponse): Promise<void> {
    const { turn } = plan;
    response.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", connection: "keep-alive" });
    response.flushHeaders();
    record.status = 200;
    let sequence = 0;
    let deltas = 0;
    const send = (type: string, fields: Json): void => {
      if (!response.writableEnded) response.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...fields, sequence_number: sequence++ })}\n\n`);
    };
    const snapshot = (): Json => responseObject(body, state);
    /** Before each delta: the wait between chunks, and whether the stream stops (hang or failure) here. */
    const beforeDelta = async (): Promise<"go" | "stop"> => {
      if (deltas > 0) await sleep(turn.chunk_delay_ms ?? 0);
      if (response.destroyed) return "stop";
      if (turn.hang_after_chunks !== undefined && deltas >= turn.hang_after_chunks) {
        record.outcome = "hung";
        await untilClosed(response);
        return "stop";
      }
      if (turn.fail_after_chunks !== undefined && deltas >= turn.fail_after_chunks) {
        const message = "An error occurred while processing your request. You can retry your request.";
        if (turn.fail_with === "error") {
          send("error", { code: "server_error", message, param: null });
          record.outcome = "error_event";
        } else {
          state.status = "failed";
          state.error = { code: "server_error", message };
          send("response.failed", { response: snapshot() });
          record.outcome = "failed";
        }
        record.completed_at = Date.now();
        response.end();
        return "stop";
      }
      deltas += 1;
      record.first_token_at ??= Date.now();
      return "go";
    };

    send("response.created", { response: snapshot() });
    send("response.in_progress", { response: snapshot() });
    // The model "thinks" before its first output item appears, as the real API does.
    await sleep(firstDelay);
    for (const [outputIndex, item] of plan.items.entries()) {
      if (item.kind === "text") {
        send("response.output_item.added", { output_index: outputIndex, item: messageItem(item, "in_progress", undefined) });
        const where = { item_id: item.id, output_index: outputIndex, content_index: 0 };
        send("response.content_part.added", { ...where, part: outputText("") });
        for (const chunk of item.chunks) {
          if ((await beforeDelta()) === "stop") return;
          send("response.output_text.delta", { ...where, delta: chunk, logprobs: [] });
        }
        const text = item.chunks.join("");
        send("response.output_text.done", { ...where, text, logprobs: [] });
        send("response.content_part.done", { ...where, part: outputText(text) });
      } else {
        send("response.output_item.added", { output_index: outputIndex, item: callItem(item, "in_progress") });
        const where = { item_id: item.id, output_index: outputIndex };
        for (const chunk of chunksOf(item.arguments)) {
          if ((await beforeDelta()) === "stop") return;
          send("response.function_call_arguments.delta", { ...where, delta: chunk });
        }
        send("response.function_call_arguments.done", { ...where, arguments: item.arguments });
      }
      const done = completedItem(item);
      state.output.push(done);
      send("response.output_item.done", { output_index: outputIndex, item: done });
    }
    state.status = "completed";
    state.usage = usageOf(body, plan.items, turn.usage);
    send("response.completed", { response: snapshot() });
    record.outcome = "completed";
    record.completed_at = Date.now();
    response.end();
  }

  /** Holds the request open (no answer, or a stalled stream) until the client gives up or the fake closes. */
  async function untilClosed(response: ServerResponse): Promise<void> {
    await new Promise<void>((resolve) => {
      hanging.add(resolve);
      // The response's close is the connection's (a request's `close` only says its body was read).
      response.on("close", resolve);
    });
  }

  return {
    origin: server.origin,
    close: async () => {
      for (const resolve of hanging) resolve();
      await server.close();
    },
  };
}

const sleep = (ms: number): Promise<void> => (ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
