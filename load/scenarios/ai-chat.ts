import { randomUUID } from "node:crypto";
import { OPENAI_TEST_KEY, startOpenAIFake } from "../../test/fakes/node/openai.ts";
import type { ModelRequestRecord } from "../../test/fakes/node/openai-script.ts";
import { percentile } from "../percentile.ts";
import type { BenchStack, MeasuredRun } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";
import { grantCredits, seedUsersWithTokens } from "../seed-users.ts";

/**
 * `POST /ai/chat` under load (docs/ai.md#assistant-chat): 100 chats at once, one per user, against the local
 * OpenAI fake (test/fakes/node/openai.ts – the Responses API stream) with a fixed first-token delay of
 * FIRST_TOKEN_MS and CHUNKS deltas CHUNK_MS apart. For each chat: when the fake sent its first delta
 * (its own record) and when our first `delta` frame reached the client – the difference is OUR added time
 * to first token (the credit charge, the SDK, the relay) – and the time to `done` (the final batch). Every
 * chat must end with `done`; errors must be 0. Both clocks are this machine's.
 */
const CHATS = 100;
const FIRST_TOKEN_MS = 400;
const CHUNKS = 8;
const CHUNK_MS = 50;
const MATCH = `bench-chat-${randomUUID()}`;

// The fake runs in this process; its address goes into the Worker's variables before the stack starts.
const fake = await startOpenAIFake();

async function control(path: string, body: unknown): Promise<void> {
  const response = await fetch(`${fake.origin}/_control/${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!response.ok) throw new Error(`OpenAI fake ${path}: ${response.status} ${await response.text()}`);
}

interface ChatTiming {
  ok: boolean;
  status: number;
  sentAt: number;
  firstDeltaAt: number | null;
  doneAt: number | null;
  message: string;
  error?: string;
}

async function oneChat(stack: BenchStack, token: string, index: number): Promise<ChatTiming> {
  const message = `${MATCH} chat ${index}`;
  const sentAt = Date.now();
  const response = await fetch(`${stack.baseUrl}/api/v1/ai/chat`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", "idempotency-key": randomUUID() },
    body: JSON.stringify({ message }),
  });
  if (response.status !== 200 || response.body === null) return { ok: false, status: response.status, sentAt, firstDeltaAt: null, doneAt: null, message, error: await response.text() };
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let firstDeltaAt: number | null = null;
  let doneAt: number | null = null;
  let error: string | undefined;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    const now = Date.now();
    buffer += decoder.decode(value, { stream: true });
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (block.startsWith("event: delta")) firstDeltaAt ??= now;
      if (block.startsWith("event: done")) doneAt = now;
      if (block.startsWith("event: error")) error = block;
    }
  }
  return { ok: doneAt !== null && error === undefined, status: 200, sentAt, firstDeltaAt, doneAt, message, ...(error !== undefined && { error }) };
}

export default defineScenario({
  name: "ai-chat",
  description: `${CHATS} concurrent AI chats against the OpenAI fake (first token after ${FIRST_TOKEN_MS} ms): our added time to first delta and to done`,
  defaults: { durationSeconds: 60, connections: CHATS },
  vars: { OPENAI_API_KEY: OPENAI_TEST_KEY, OPENAI_BASE_URL: `${fake.origin}/v1`, RATE_LIMIT_AI: "1000", RATE_LIMIT_GENERAL: "10000" },
  async measure(stack, { log }): Promise<MeasuredRun> {
    try {
      const users = await seedUsersWithTokens(stack, CHATS);
      await grantCredits(stack, users.map((user) => user.userId), 10);
      const chunks = Array.from({ length: CHUNKS }, (_, index) => `part ${index + 1} `);
      await control("scripts", { match: MATCH, turns: [{ text: chunks, first_token_delay_ms: FIRST_TOKEN_MS, chunk_delay_ms: CHUNK_MS }] });
      // Warm-up: one chat loads the SDK in the isolate (its first import is not what a user waits for twice).
      const first = users[0];
      if (first !== undefined) await oneChat(stack, first.token, -1);
      log(`ai-chat: ${CHATS} chats at once`);
      const timings = await Promise.all(users.map((user, index) => oneChat(stack, user.token, index)));
      const records = (await (await fetch(`${fake.origin}/_control/requests?match=${encodeURIComponent(MATCH)}`)).json()) as { requests: ModelRequestRecord[] };
      const byMessage = new Map<string, ModelRequestRecord>();
      for (const record of records.requests) {
        const text = JSON.stringify(record.body);
        const hit = timings.find((timing) => text.includes(`${timing.message}"`));
        if (hit !== undefined) byMessage.set(hit.message, record);
      }
      const added: number[] = [];
      const toFirst: number[] = [];
      const toDone: number[] = [];
      const afterModel: number[] = [];
      for (const timing of timings) {
        const record = byMessage.get(timing.message);
        if (!timing.ok || timing.firstDeltaAt === null || timing.doneAt === null || record === undefined || record.first_token_at === null || record.completed_at === null) continue;
        added.push(timing.firstDeltaAt - record.first_token_at);
        toFirst.push(timing.firstDeltaAt - timing.sentAt);
        toDone.push(timing.doneAt - timing.sentAt);
        afterModel.push(timing.doneAt - record.completed_at);
      }
      const errors = timings.filter((timing) => !timing.ok);
      const sort = (values: number[]) => [...values].sort((a, b) => a - b);
      const row = (label: string, values: number[]) => `| ${label} | ${percentile(sort(values), 50)} | ${percentile(sort(values), 95)} | ${Math.max(...values)} |`;
      const report = [
        `ai-chat: ${CHATS} concurrent chats, fake first token ${FIRST_TOKEN_MS} ms, ${CHUNKS} deltas ${CHUNK_MS} ms apart`,
        "",
        "| ms | p50 | p95 | max |",
        "|---|---|---|---|",
        row("sent → first delta at the client", toFirst),
        row("our added time to first delta (client first delta − fake first delta)", added),
        row("sent → done", toDone),
        row("fake finished → done at the client (final batch)", afterModel),
        "",
        `chats: ${timings.length}, done: ${timings.length - errors.length}, errors: ${errors.length}`,
        ...errors.slice(0, 5).map((error) => `  ${error.status} ${(error.error ?? "").slice(0, 200)}`),
      ].join("\n");
      return { report, figures: { added, toFirst, toDone, afterModel, errors: errors.length }, clean: errors.length === 0 && added.length === CHATS };
    } finally {
      await fake.close();
    }
  },
});
