/**
 * The OpenAI fake's control API types (test/fakes/node/openai.ts), shared with test/support/openai.ts in
 * workerd – so this file imports nothing.
 */

/** One model call's scripted answer. A turn with neither text, json nor tool_calls answers a default text. */
export interface ModelTurn {
  /** Output text, one `response.output_text.delta` per chunk (non-streaming: joined). */
  text?: string[];
  /** Structured output: serialised as the output text; must fit the request's `text.format` json_schema. */
  json?: unknown;
  /** Function calls the model makes (after the text, if any); names must be tools the request offers. */
  tool_calls?: { name: string; arguments: Record<string, unknown> }[];
  /** Wait before the first output (after response.created/in_progress when streaming). Overrides the global config. */
  first_token_delay_ms?: number;
  /** Wait between two deltas. */
  chunk_delay_ms?: number;
  /** Answer this HTTP status (429, 500, 503, …) with OpenAI's error body instead of a response. */
  status?: number;
  /** Never answer (no headers) – for client timeouts. */
  hang?: boolean;
  /** Streaming: stop sending (connection left open) after this many deltas. */
  hang_after_chunks?: number;
  /** Streaming: fail after this many text deltas; non-streaming: answer a response with status "failed". */
  fail_after_chunks?: number;
  /** How a streamed failure is told: `response.failed` (default, the lifecycle event) or an `error` event. */
  fail_with?: "response.failed" | "error";
  usage?: { input_tokens: number; output_tokens: number };
}

/** `POST /_control/scripts` */
export interface ModelScript {
  /** Chosen when this string occurs in the request's input or instructions (latest registered wins). */
  match: string;
  /** Turn n answers the model call that follows n rounds of tool outputs since the last user message. */
  turns: ModelTurn[];
}

/** `POST /_control/config` – applies to every request (a turn's own delay wins). */
export interface ModelConfig {
  first_token_delay_ms?: number;
}

/** One request the fake received, as `GET /_control/requests` lists it. */
export interface ModelRequestRecord {
  /** The `resp_…` id answered (or that would have been). */
  id: string;
  /** The script that answered, null for the default answer (or an unauthorised request). */
  script: string | null;
  turn: number;
  stream: boolean;
  /** Whether `Authorization: Bearer <OPENAI_TEST_KEY>` was sent. */
  authorized: boolean;
  /** The request body as parsed JSON (null when it was not JSON). */
  body: unknown;
  /** HTTP status answered; 0 while hanging or before the answer starts. A stream that fails mid-way is 200. */
  status: number;
  outcome: "pending" | "completed" | "failed" | "error_event" | "http_error" | "hung" | "aborted";
  /** Why the fake refused a script (a broken test, HTTP 500) or the request (HTTP 400). */
  fake_error?: string;
  received_at: number;
  /** Epoch ms of the first output delta (non-streaming: when the body was sent). */
  first_token_at: number | null;
  completed_at: number | null;
}
