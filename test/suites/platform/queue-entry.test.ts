import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../../src/index";
import { messageHandlers } from "../../../queues/consumers";
import { retryDelaySeconds } from "../../../queues";
import { DoNotRetry, RetryLater } from "../../../queues/messages";
import { captureLogs } from "../../support/logs";
import type { Bindings } from "../../../src/env";

/**
 * The Worker's `queue` entry point (queues/index.ts behind the Sentry wrapper of src/index.ts), driven with
 * a MessageBatch as the runtime would deliver it. Every message is settled on its own: acked, or retried
 * with its own exponential delay.
 */
const bindings = env as unknown as Bindings;
// withSentry types its result as "handler object or entrypoint class"; src/index.ts wraps the object form.
const entry = worker as ExportedHandler<Bindings>;

async function deliver(queue: string, messages: { id: string; attempts: number; body: unknown }[]) {
  const batch = createMessageBatch(queue, messages.map((message) => ({ ...message, timestamp: new Date() })));
  // The test MessageBatch records that retry() was called but not its options, so the delays are read here.
  const retries = batch.messages.map((message) => ({ id: message.id, spy: vi.spyOn(message, "retry") }));
  const ctx = createExecutionContext();
  if (!entry.queue) throw new Error("the default export has no queue handler");
  await entry.queue(batch, bindings, ctx);
  const result = await getQueueResult(batch, ctx);
  const delays = retries.flatMap(({ id, spy }) => spy.mock.calls.map(([options]) => ({ msgId: id, delaySeconds: options?.delaySeconds })));
  return { ...result, delays };
}


afterEach(() => {
  delete messageHandlers.reminder_fire;
  vi.restoreAllMocks();
});

describe("queue entry point", () => {
  it("acks a body that does not parse (it can never succeed) and logs it", async () => {
    const log = captureLogs();
    const result = await deliver("reminders", [
      { id: "bad-shape", attempts: 1, body: { type: "reminder_fire", reminder_id: "not-a-uuid" } },
      { id: "bad-type", attempts: 2, body: { type: "self_destruct" } },
      { id: "not-json-object", attempts: 1, body: "hello" },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["bad-shape", "bad-type", "not-json-object"]);
    expect(result.retryMessages).toEqual([]);
    expect(result.ackAll).toBe(false);
    expect(log.lines()).toEqual(
      ["bad-shape", "bad-type", "not-json-object"].map((id) =>
        expect.objectContaining({ level: "error", queue: "reminders", message_id: id, outcome: "invalid_body" }),
      ),
    );
  });

  it("retries a valid message whose type has no consumer yet, with exponential delay per message", async () => {
    const log = captureLogs();
    const result = await deliver("reminders", [
      { id: "first-try", attempts: 1, body: { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
      { id: "third-try", attempts: 3, body: { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
      { id: "late", attempts: 12, body: { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
    ]);
    expect(result.explicitAcks).toEqual([]);
    expect(result.retryMessages).toEqual([{ msgId: "first-try" }, { msgId: "third-try" }, { msgId: "late" }]);
    expect(result.delays).toEqual([
      { msgId: "first-try", delaySeconds: 10 },
      { msgId: "third-try", delaySeconds: 40 },
      { msgId: "late", delaySeconds: 900 },
    ]);
    expect(retryDelaySeconds(12)).toBe(900);
    expect(log.lines()[0]).toMatchObject({ outcome: "retry", message_id: "first-try", error: "no consumer for reminder_fire in this build" });
  });

  it("acks a message once its consumer succeeds, and retries only the one whose consumer failed", async () => {
    const seen: string[] = [];
    messageHandlers.reminder_fire = async ({ message, ctx }) => {
      seen.push(message.reminder_id);
      expect(ctx.actor).toEqual({ type: "system", job: "reminder_fire" });
      if (message.reminder_id === failing) throw new Error("reminder row locked");
    };
    const ok = crypto.randomUUID();
    const failing = crypto.randomUUID();
    const result = await deliver("reminders", [
      { id: "ok", attempts: 1, body: { type: "reminder_fire", reminder_id: ok, user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
      { id: "fails", attempts: 2, body: { type: "reminder_fire", reminder_id: failing, user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
    ]);
    expect(seen).toEqual([ok, failing]);
    expect(result.explicitAcks).toEqual(["ok"]);
    expect(result.retryMessages).toEqual([{ msgId: "fails" }]);
    expect(result.delays).toEqual([{ msgId: "fails", delaySeconds: 20 }]);
  });

  it("acks (never retries) a message whose consumer says it can never succeed, and logs why", async () => {
    const gone = crypto.randomUUID();
    messageHandlers.reminder_fire = async ({ message }) => {
      if (message.reminder_id === gone) throw new DoNotRetry("the reminder was deleted");
    };
    const log = captureLogs();
    const result = await deliver("reminders", [
      { id: "deleted-row", attempts: 1, body: { type: "reminder_fire", reminder_id: gone, user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
      { id: "fine", attempts: 1, body: { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["deleted-row", "fine"]);
    expect(result.retryMessages).toEqual([]);
    expect(log.lines()).toContainEqual(
      expect.objectContaining({ level: "warn", queue: "reminders", message_id: "deleted-row", outcome: "dropped", error: "the reminder was deleted" }),
    );
  });

  it("retries after the delay a consumer asks for (RetryLater, e.g. a Retry-After), else with the backoff", async () => {
    const asks = new Map<string, RetryLater>();
    messageHandlers.reminder_fire = async ({ message }) => {
      const retry = asks.get(message.reminder_id);
      if (retry) throw retry;
    };
    const soon = crypto.randomUUID();
    const tooLate = crypto.randomUUID();
    const unsaid = crypto.randomUUID();
    asks.set(soon, new RetryLater("push service answered 503", 1));
    asks.set(tooLate, new RetryLater("push service answered 429", 10 ** 9));
    asks.set(unsaid, new RetryLater("push service unreachable"));
    const result = await deliver("reminders", [
      { id: "soon", attempts: 1, body: { type: "reminder_fire", reminder_id: soon, user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
      { id: "too-late", attempts: 1, body: { type: "reminder_fire", reminder_id: tooLate, user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
      { id: "unsaid", attempts: 2, body: { type: "reminder_fire", reminder_id: unsaid, user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
    ]);
    expect(result.explicitAcks).toEqual([]);
    expect(result.delays).toEqual([
      { msgId: "soon", delaySeconds: 1 },
      { msgId: "too-late", delaySeconds: 43_200 },
      { msgId: "unsaid", delaySeconds: 20 },
    ]);
  });

  it("acks and logs every message on a dead-letter queue, valid or not", async () => {
    const handler = vi.fn(async () => undefined);
    messageHandlers.reminder_fire = handler;
    const log = captureLogs();
    const result = await deliver("reminders-dlq", [
      { id: "dead-valid", attempts: 6, body: { type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() } },
      { id: "dead-invalid", attempts: 6, body: { nonsense: true } },
    ]);
    expect(result.explicitAcks.sort()).toEqual(["dead-invalid", "dead-valid"]);
    expect(result.retryMessages).toEqual([]);
    expect(handler).not.toHaveBeenCalled();
    expect(log.lines()).toEqual([
      expect.objectContaining({ level: "warn", queue: "reminders-dlq", message_id: "dead-valid", attempts: 6, outcome: "dead_lettered" }),
      expect.objectContaining({ level: "warn", queue: "reminders-dlq", message_id: "dead-invalid", outcome: "dead_lettered" }),
    ]);
  });
});
