import * as Sentry from "@sentry/cloudflare";
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../../../src/index";
import { messageHandlers } from "../../../queues/consumers";
import { configureHubForTest, publishToHub } from "../../../durable-objects/user-hub/client";
import { runWrite } from "../../../src/services/unit-of-work";
import type { Bindings } from "../../../src/env";
import { sentryOptions } from "../../../src/lib/sentry";
import { testEnv, sentrySink } from "../../support/env";
import { sentryEventsFor } from "../../support/sentry";
import { newClient } from "../../support/factories";
import { userServiceContext } from "../../support/service-context";

/**
 * docs/operations.md#error-reporting: every entry point reports to Sentry (the envelope sink of
 * test/fakes/node/sentry-sink.ts) with its context and without secrets – a thrown queue consumer, a crashing
 * Durable Object, failed after-commit work. (Requests ≥ 500: foundation/errors.test.ts; cron jobs:
 * platform/cron-purge.test.ts.)
 */
const entry = worker as ExportedHandler<Bindings>;

interface SinkEvent {
  tags?: Record<string, string>;
  exception?: { values?: { type?: string; value?: string; mechanism?: { type?: string } }[] };
  request?: unknown;
}

async function eventsMentioning(text: string): Promise<SinkEvent[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(`${sentrySink()}/_sink/events`);
    const { events } = (await response.json()) as { events: SinkEvent[] };
    const found = events.filter((event) => JSON.stringify(event.exception ?? {}).includes(text));
    if (found.length > 0) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}

afterEach(() => {
  delete messageHandlers.reminder_fire;
});

describe("errors reach Sentry from every entry point", () => {
  it("a thrown queue consumer: the message is retried and reported with its queue, type and label", async () => {
    const marker = `consumer exploded ${crypto.randomUUID()}`;
    messageHandlers.reminder_fire = () => Promise.reject(new Error(marker));
    const id = `sentry-${crypto.randomUUID()}`;
    const body = { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() };
    const batch = createMessageBatch("reminders", [{ id, attempts: 2, timestamp: new Date(), body }]);
    const ctx = createExecutionContext();
    if (!entry.queue) throw new Error("no queue handler");
    await entry.queue(batch, testEnv, ctx);
    expect((await getQueueResult(batch, ctx)).retryMessages.map((message) => message.msgId)).toEqual([id]);
    const events = await sentryEventsFor(`queue:reminders:${id}`);
    expect(events).toHaveLength(1);
    expect(events[0]?.tags).toMatchObject({ queue: "reminders", message_type: "reminder_fire", attempts: "2" });
    expect(JSON.stringify(events[0])).toContain(marker);
  });

  it("a crashing Durable Object RPC is reported from inside the object", async () => {
    const userId = crypto.randomUUID();
    await configureHubForTest(testEnv, userId, { publishFault: "fail" });
    const hubId = testEnv.USER_HUB.idFromName(userId).toString();
    await expect(publishToHub(testEnv, userId, [{ type: "task.created", data: { id: "x" } }])).rejects.toThrow(/publish refused/);
    const events = await eventsMentioning(`by hub ${hubId}`);
    expect(events.length).toBeGreaterThanOrEqual(1);
    expect(events[0]?.exception?.values?.[0]?.mechanism?.type).toMatch(/durable_object|auto/);
    await configureHubForTest(testEnv, userId, { publishFault: null });
  });

  it("failed after-commit work is reported with the request id and the write still stands", async () => {
    const { userId } = await newClient();
    const marker = `after-commit exploded ${crypto.randomUUID()}`;
    // The write runs inside the Worker's own Sentry wrapper (src/lib/sentry.ts options), as a request would.
    const handler = Sentry.withSentry<Bindings, unknown, unknown, ExportedHandler<Bindings>>(sentryOptions, {
      fetch: async () => {
        const { ctx, settled } = userServiceContext(userId);
        await runWrite(ctx, { operation: "test.after_commit", userId, status: 204 }, async (unit) => {
          unit.afterCommit(() => Promise.reject(new Error(marker)));
          return null;
        });
        await settled();
        return new Response(null, { status: 204 });
      },
    });
    if (!handler.fetch) throw new Error("no fetch handler");
    const response = await handler.fetch(new Request("https://api.perpetua.test/after-commit"), testEnv, createExecutionContext());
    expect(response.status).toBe(204);
    const events = await eventsMentioning(marker);
    expect(events[0]?.tags).toMatchObject({ stage: "after_commit" });
    expect(events[0]?.tags?.request_id).toMatch(/after-commit/);
  });
});
