import { env } from "cloudflare:workers";
// The SDK module the Worker itself loads (src/ai-sdk.ts), not the packages: the same bundle and its own zod copy.
import { Agent, OpenAI, OpenAIProvider, Runner, setTracingDisabled, tool } from "../../../src/generated/ai-sdk.mjs";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { modelRequests, scriptModel } from "../../support/openai";

/**
 * The Worker's OpenAI bindings (OPENAI_BASE_URL, OPENAI_API_KEY) lead to the fake, and `@openai/agents` – as
 * the Worker loads it, from the generated SDK module (docs/ai.md "Cold start"), with a tool whose parameters
 * are a schema of the Worker's zod – runs its streamed tool loop inside workerd against it, the runtime
 * product code runs in.
 * The fake itself is tested in test/node/openai-fake.test.ts.
 */
function binding(name: string): string {
  const value = env[name];
  if (typeof value !== "string") throw new Error(`binding ${name} is not set`);
  return value;
}

describe("OpenAI fake from workerd", () => {
  it("runs a streamed agent with a tool through the Worker's bindings, and records what was sent", async () => {
    setTracingDisabled(true);
    const match = `workerd-agent-${crypto.randomUUID()}`;
    await scriptModel({ match, turns: [{ tool_calls: [{ name: "task_count", arguments: {} }] }, { text: ["Three ", "tasks."] }] });
    const client = new OpenAI({ baseURL: binding("OPENAI_BASE_URL"), apiKey: binding("OPENAI_API_KEY"), maxRetries: 0 });
    const runner = new Runner({ modelProvider: new OpenAIProvider({ openAIClient: client, useResponses: true }), model: "gpt-4.1-mini" });
    const taskCount = tool({ name: "task_count", description: "Counts tasks", parameters: z.object({}), execute: () => "3" });
    const result = await runner.run(new Agent({ name: "Counter", instructions: `Count for ${match}.`, tools: [taskCount] }), "How many?", { stream: true });
    const deltas: string[] = [];
    for await (const event of result) {
      if (event.type === "raw_model_stream_event" && event.data.type === "output_text_delta") deltas.push(event.data.delta);
    }
    await result.completed;
    expect(deltas).toEqual(["Three ", "tasks."]);
    expect(result.finalOutput).toBe("Three tasks.");
    const records = await modelRequests(match);
    expect(records.map((record) => [record.turn, record.stream, record.authorized, record.outcome])).toEqual([[0, true, true, "completed"], [1, true, true, "completed"]]);
    expect(records[1]?.body).toMatchObject({ input: expect.arrayContaining([expect.objectContaining({ type: "function_call_output", output: "3" })]) });
  });
});
