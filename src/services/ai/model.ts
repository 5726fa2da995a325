/**
 * docs/ai.md "Agents": the one place that builds the OpenAI client and runs an agent.
 *
 * `@openai/agents` and `openai` are large, so they are not in the Worker's bundle: they are a separate module
 * (`src/generated/ai-sdk.mjs`, docs/ai.md "Cold start"), imported here the first time an AI operation runs a
 * model – start-up does not evaluate them and no other request does. Per request: a fresh
 * `OpenAI` client with `OPENAI_BASE_URL`, the key, a timeout of `AI_TIMEOUT_SECONDS` and no SDK retries (a
 * retry would double the user's wait; the user retries with the same Idempotency-Key instead), a `Runner`
 * with that client's provider, `OPENAI_MODEL` and tracing off (nothing leaves for OpenAI's trace store).
 * The whole run – every turn of a tool loop – shares one deadline of `AI_TIMEOUT_SECONDS`.
 */
import type { Agent, AgentOutputType, Runner } from "@openai/agents";
import { importAiSdk, type AiSdk } from "../../ai-sdk";
import type { Config } from "../../env";
import { lazy } from "../../lib/lazy";

/** The SDK, evaluated once per isolate on first use (a failed import is retried by the next call). */
export const agentsSdk = lazy(async () => {
  const sdk = await importAiSdk();
  sdk.setTracingDisabled(true);
  return sdk;
});

export interface ModelRun {
  sdk: AiSdk;
  runner: Runner;
  /** Aborts the run at the deadline (or when the caller goes away). */
  signal: AbortSignal;
  model: string;
}

/** A runner for one AI operation. `OPENAI_API_KEY` is checked by the `/ai/*` gate before anything runs. */
export async function openModelRun(config: Config, signal?: AbortSignal): Promise<ModelRun> {
  const apiKey = config.OPENAI_API_KEY;
  if (apiKey === undefined) throw new Error("openModelRun without OPENAI_API_KEY (the /ai/* gate answers 503 first)");
  const sdk = await agentsSdk();
  const timeoutMs = config.AI_TIMEOUT_SECONDS * 1000;
  const client = new sdk.OpenAI({ apiKey, timeout: timeoutMs, maxRetries: 0, ...(config.OPENAI_BASE_URL !== undefined && { baseURL: config.OPENAI_BASE_URL }) });
  const runner = new sdk.Runner({
    modelProvider: new sdk.OpenAIProvider({ openAIClient: client, useResponses: true }),
    model: config.OPENAI_MODEL,
    tracingDisabled: true,
    traceIncludeSensitiveData: false,
  });
  const deadline = AbortSignal.timeout(timeoutMs);
  return { sdk, runner, signal: signal === undefined ? deadline : AbortSignal.any([deadline, signal]), model: config.OPENAI_MODEL };
}

/** Token counts of a finished (or failed) run, for ai_interactions. */
export interface TokenUsage {
  input: number;
  output: number;
}

export function usageOf(result: { runContext: { usage: { inputTokens: number; outputTokens: number } } } | undefined): TokenUsage {
  return { input: result?.runContext.usage.inputTokens ?? 0, output: result?.runContext.usage.outputTokens ?? 0 };
}

/**
 * A model failure as the API tells it: `timeout` when the deadline passed, `failure` for anything else the
 * provider or the SDK threw (HTTP errors, a broken stream, a tool loop past its turns, a malformed answer).
 */
export class ModelFailure extends Error {
  constructor(
    readonly outcome: "failure" | "timeout",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ModelFailure";
  }
}

export function modelFailure(error: unknown, signal: AbortSignal): ModelFailure {
  if (error instanceof ModelFailure) return error;
  const timedOut = signal.aborted || (error instanceof Error && /timed? ?out|abort/i.test(`${error.name} ${error.message}`));
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ModelFailure(timedOut ? "timeout" : "failure", detail.slice(0, 500), { cause: error });
}

/** Runs a structured-output agent to its final output (non-streaming). */
export async function runStructured<TOutput extends AgentOutputType>(
  run: ModelRun,
  agent: Agent<unknown, TOutput>,
  input: string,
): Promise<{ output: unknown; usage: TokenUsage }> {
  try {
    const result = await run.runner.run(agent, input, { signal: run.signal, maxTurns: 3 });
    if (result.finalOutput === undefined || result.finalOutput === null) throw new ModelFailure("failure", "The model returned no answer.");
    return { output: result.finalOutput, usage: usageOf(result) };
  } catch (error) {
    throw modelFailure(error, run.signal);
  }
}
