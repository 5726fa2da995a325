import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../../src/index";
import type { Bindings } from "../../../src/env";
import type { Template } from "../../../src/services/recurring/present";
import type { QueueMessage } from "../../../queues/messages";
import { clientAt, expectData, type TestClient } from "../../support/factories";

/** Helpers of the recurring-template suites: templates through the API, the generate queue driven directly. */

/** A template as the API answers it (the services' presenter type). */
export type TemplateJson = Template;

export interface NextInstanceJson {
  id: string;
  occurrence_at: string;
  due_date: string;
}

export const bindings = env as unknown as Bindings;
const entry = worker as ExportedHandler<Bindings>;

export async function createTemplate(client: TestClient, body: Record<string, unknown>): Promise<TemplateJson> {
  return expectData<TemplateJson>(await client.request("POST", "/templates", { body: { title: "Weekly review", ...body } }), 201);
}

/** A client whose requests run at `at` (X-Test-Now) with a token valid then. */
export const pinned = (client: TestClient, at: string) => clientAt(client, at);

/** Waits (bounded) until a task with this id exists – the queue consumer creates instances asynchronously. */
export async function waitForTask(client: TestClient, id: string, timeoutMs = 20_000): Promise<{ id: string; template_id: string | null; occurrence_at: string | null; due_date: string | null; title: string; tags: string[]; archived: boolean; completed: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await client.request("GET", `/tasks/${id}`);
    if (response.status === 200) return expectData(response);
    await response.body?.cancel();
    if (Date.now() > deadline) throw new Error(`task ${id} did not appear within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Delivers messages to the Worker's real queue entry point as the runtime would (ids chosen by the test). */
export async function deliver(messages: { id: string; body: QueueMessage }[]) {
  const batch = createMessageBatch("recurring", messages.map((message) => ({ ...message, attempts: 1, timestamp: new Date() })));
  const ctx = createExecutionContext();
  if (!entry.queue) throw new Error("the default export has no queue handler");
  await entry.queue(batch, bindings, ctx);
  return getQueueResult(batch, ctx);
}
