import { inject } from "vitest";
import type { ModelConfig, ModelRequestRecord, ModelScript } from "../fakes/node/openai-script";

/**
 * The OpenAI fake's control API (test/fakes/node/openai.ts) from the tests' side. Give every script a match
 * string only your test's data contains (a user id, a task title): the fake is shared by every test file.
 */
export type { ModelConfig, ModelRequestRecord, ModelScript, ModelTurn } from "../fakes/node/openai-script";

const control = (path: string): string => `${inject("openaiUrl")}/_control/${path}`;

/** Registers a script; the latest one whose `match` occurs in a request's input or instructions answers it. */
export async function scriptModel(script: ModelScript): Promise<void> {
  const response = await fetch(control("scripts"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(script) });
  if (!response.ok) throw new Error(`scripting the OpenAI fake failed: ${response.status} ${await response.text()}`);
  await response.body?.cancel();
}

/** Every request the script matching `match` answered, in arrival order: bodies, turns, outcomes, timings. */
export async function modelRequests(match: string): Promise<ModelRequestRecord[]> {
  const response = await fetch(`${control("requests")}?match=${encodeURIComponent(match)}`);
  if (!response.ok) throw new Error(`reading the OpenAI fake's requests failed: ${response.status}`);
  return ((await response.json()) as { requests: ModelRequestRecord[] }).requests;
}

/** Settings for every request (a turn's own values win), e.g. a global first-token delay. */
export async function configureModel(config: ModelConfig): Promise<void> {
  const response = await fetch(control("config"), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(config) });
  if (!response.ok) throw new Error(`configuring the OpenAI fake failed: ${response.status}`);
  await response.body?.cancel();
}
