import type { Bindings } from "../src/env";
import { systemContext } from "../src/services/system-context";
import { queueMessageSchema, type MessageHandler, type QueueMessageType } from "./messages";
import { messageHandlers } from "./consumers";
import { loggableError } from "../src/lib/loggable-error";

const MAX_DELAY_SECONDS = 15 * 60;

/** Exponential backoff for a retried message: 10 s, 20 s, 40 s … capped at 15 min. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_DELAY_SECONDS, 10 * 2 ** Math.max(0, attempts - 1));
}

/**
 * The queue entry point (STYLE §7): every message is parsed and handled on its own and acked only after its
 * handler committed; a failure retries that message alone with exponential delay, and after the consumer's
 * max_retries (wrangler.toml) the platform moves it to the dead-letter queue. A body that does not parse can
 * never succeed, so it is logged and acked instead of burning retries. Messages on a dead-letter queue are
 * logged for an operator and acked.
 */
export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Bindings, execution: ExecutionContext): Promise<void> {
  const deadLetter = batch.queue.endsWith("-dlq");
  for (const message of batch.messages) {
    const parsed = queueMessageSchema.safeParse(message.body);
    if (!parsed.success || deadLetter) {
      log(deadLetter ? "warn" : "error", batch.queue, message, deadLetter ? "dead_lettered" : "invalid_body");
      message.ack();
      continue;
    }
    const handler = messageHandlers[parsed.data.type] as MessageHandler<QueueMessageType> | undefined;
    try {
      if (!handler) throw new Error(`no consumer for ${parsed.data.type} in this build`);
      const ctx = systemContext(env, execution, `queue:${batch.queue}:${message.id}`, parsed.data.type);
      await handler({ ctx, message: parsed.data });
      message.ack();
    } catch (error) {
      log("error", batch.queue, message, "retry", error);
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}

function log(level: "warn" | "error", queue: string, message: Message<unknown>, outcome: string, error?: unknown): void {
  console.log(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level,
      queue,
      message_id: message.id,
      attempts: message.attempts,
      outcome,
      ...(error === undefined ? {} : loggableError(error)),
    }),
  );
}
