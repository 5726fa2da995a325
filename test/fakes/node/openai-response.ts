import { randomBytes } from "node:crypto";
import { isRecord } from "./json-schema.ts";

/**
 * The shapes of OpenAI's Responses API the fake answers (openai.ts): the Response object, its output items,
 * the error bodies. Field sets follow `openai` v7's `resources/responses/responses.d.ts`, so the SDK and
 * `@openai/agents`' converter (`convertToOutputItem`) read what they would read from the real API.
 */
export type Json = Record<string, unknown>;

export const newId = (prefix: string): string => `${prefix}_${randomBytes(24).toString("hex")}`;

/** OpenAI's error envelope: `{error: {message, type, param, code}}`. */
export function errorBody(message: string, type: string, param: string | null = null, code: string | null = null): Json {
  return { error: { message, type, param, code } };
}

/** The error body the real API sends with each HTTP status a script may ask for. */
export function statusError(status: number): Json {
  if (status === 429) return errorBody("Rate limit reached for requests. Please try again in 20s.", "requests", null, "rate_limit_exceeded");
  if (status === 401) return errorBody("Incorrect API key provided.", "invalid_request_error", null, "invalid_api_key");
  if (status === 400) return errorBody("Invalid request.", "invalid_request_error");
  if (status === 503) return errorBody("The engine is currently overloaded, please try again later.", "server_error", null, "service_unavailable");
  return errorBody("The server had an error while processing your request. Sorry about that!", "server_error", null, "server_error");
}

export interface TextItem {
  kind: "text";
  id: string;
  chunks: string[];
}

export interface CallItem {
  kind: "call";
  id: string;
  callId: string;
  name: string;
  arguments: string;
}

export type PlannedItem = TextItem | CallItem;

export function outputText(text: string): Json {
  return { type: "output_text", annotations: [], logprobs: [], text };
}

export function messageItem(item: TextItem, status: "in_progress" | "completed", text: string | undefined): Json {
  return { id: item.id, type: "message", status, content: text === undefined ? [] : [outputText(text)], role: "assistant" };
}

export function callItem(item: CallItem, status: "in_progress" | "completed"): Json {
  return { id: item.id, type: "function_call", status, arguments: status === "completed" ? item.arguments : "", call_id: item.callId, name: item.name };
}

export function completedItem(item: PlannedItem): Json {
  return item.kind === "text" ? messageItem(item, "completed", item.chunks.join("")) : callItem(item, "completed");
}

export interface Usage {
  input_tokens: number;
  output_tokens: number;
}

/** Rough token counts (4 characters a token) unless the script names them. */
export function usageOf(body: Json, items: PlannedItem[], scripted: Usage | undefined): Json {
  const input = scripted?.input_tokens ?? Math.max(1, Math.ceil(JSON.stringify([body.instructions ?? "", body.input ?? ""]).length / 4));
  const produced = items.map((item) => (item.kind === "text" ? item.chunks.join("") : item.name + item.arguments)).join("");
  const output = scripted?.output_tokens ?? Math.ceil(produced.length / 4);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  };
}

export interface ResponseState {
  id: string;
  createdAt: number;
  status: "in_progress" | "completed" | "failed";
  output: Json[];
  usage: Json | null;
  error: Json | null;
}

/** The Response object as the API returns it, echoing the request's settings like the real one does. */
export function responseObject(body: Json, state: ResponseState): Json {
  const text = isRecord(body.text) ? body.text : {};
  return {
    id: state.id,
    object: "response",
    created_at: state.createdAt,
    status: state.status,
    background: false,
    completed_at: state.status === "completed" ? Math.floor(Date.now() / 1000) : null,
    error: state.error,
    incomplete_details: null,
    instructions: body.instructions ?? null,
    max_output_tokens: body.max_output_tokens ?? null,
    max_tool_calls: null,
    model: typeof body.model === "string" ? body.model : "gpt-4.1-mini",
    output: state.output,
    parallel_tool_calls: body.parallel_tool_calls ?? true,
    previous_response_id: body.previous_response_id ?? null,
    prompt_cache_key: null,
    reasoning: { effort: null, summary: null },
    safety_identifier: null,
    service_tier: "default",
    store: body.store ?? true,
    temperature: body.temperature ?? 1,
    text: { format: { type: "text" }, verbosity: "medium", ...text },
    tool_choice: body.tool_choice ?? "auto",
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_logprobs: 0,
    top_p: body.top_p ?? 1,
    truncation: body.truncation ?? "disabled",
    usage: state.usage,
    user: null,
    metadata: isRecord(body.metadata) ? body.metadata : {},
  };
}

/** The text of every message in `input` (a string, or items whose content is a string or parts with `text`). */
export function inputTexts(input: unknown): string[] {
  if (typeof input === "string") return [input];
  if (!Array.isArray(input)) return [];
  return input.flatMap((item) => {
    if (!isRecord(item)) return [];
    if (typeof item.content === "string") return [item.content];
    if (Array.isArray(item.content)) return item.content.flatMap((part) => (isRecord(part) && typeof part.text === "string" ? [part.text] : []));
    if (typeof item.output === "string") return [item.output];
    return [];
  });
}

/** How many rounds of tool output the model has seen since the user last spoke: the script's turn index. */
export function turnIndex(input: unknown): number {
  if (!Array.isArray(input)) return 0;
  let lastUser = -1;
  input.forEach((item, index) => {
    if (isRecord(item) && item.role === "user") lastUser = index;
  });
  // A round is a run of consecutive `function_call_output` items (parallel calls answer together), so two
  // tools called at once still count as one round; one call per round makes it the number of outputs.
  let rounds = 0;
  let inRun = false;
  for (const item of input.slice(lastUser + 1)) {
    const isOutput = isRecord(item) && item.type === "function_call_output";
    if (isOutput && !inRun) rounds += 1;
    inRun = isOutput;
  }
  return rounds;
}

/** Names of the function tools the request offers. */
export function toolNames(body: Json): string[] {
  const tools = Array.isArray(body.tools) ? body.tools : [];
  return tools.flatMap((tool) => (isRecord(tool) && tool.type === "function" && typeof tool.name === "string" ? [tool.name] : []));
}

/** Splits text into chunks of about `size` characters (the default way a JSON answer is streamed). */
export function chunksOf(text: string, size = 16): string[] {
  const chunks: string[] = [];
  for (let offset = 0; offset < text.length; offset += size) chunks.push(text.slice(offset, offset + size));
  return chunks.length === 0 ? [""] : chunks;
}
