import type { Bindings } from "../src/env";
import { createLogger, type Logger } from "../src/lib/logger";
import { reportError } from "../src/lib/sentry";
import { metrics } from "../src/services/metrics/recorder";
import { systemContext } from "../src/services/system-context";
import { messageHandlers } from "./consumers";
import { DoNotRetry, queueMessageSchema, RetryLater, type MessageHandler, type QueueMessageType } from "./messages";

const MAX_DELAY_SECONDS = 15 * 60;
/** The longest retry delay a consumer may ask for (`RetryLater`): Cloudflare Queues' maximum, 12 h. */
const MAX_ASKED_DELAY_SECONDS = 12 * 60 * 60;

/** Exponential backoff for a retried message: 10 s, 20 s, 40 s … capped at 15 min. */
export function retryDelaySeconds(attempts: number): number {
  return Math.min(MAX_DELAY_SECONDS, 10 * 2 ** Math.max(0, attempts - 1));
}

/**
 * The queue entry point (STYLE §7): every message is parsed and handled on its own, with the same context and
 * logger as a request, and acked only after its handler committed; a failure retries that message alone
 * with exponential delay, and after the consumer's max_retries (wrangler.toml) the platform moves it to the
 * dead-letter queue; a consumer's `RetryLater` with a delay sets that retry's delay itself. What can never succeed is acked with a log line instead of burning retries: a body
 * that does not parse, and a consumer's `DoNotRetry` (e.g. the message is about a row that was deleted).
 * Messages on a dead-letter queue are logged for an operator and acked.
 */
export async function handleQueueBatch(batch: MessageBatch<unknown>, env: Bindings, execution: ExecutionContext): Promise<void> {
  const deadLetter = batch.queue.endsWith("-dlq");
  const counted = (outcome: "acked" | "retried" | "invalid" | "dropped" | "dead_lettered") =>
    metrics.count("queue_messages_total", { queue: batch.queue.replace(/-dlq$/, ""), outcome });
  try {
    await handleMessages(batch, env, execution, deadLetter, counted);
  } finally {
    metrics.scheduleFlush(env, (promise) => execution.waitUntil(promise));
  }
}

async function handleMessages(
  batch: MessageBatch<unknown>,
  env: Bindings,
  execution: ExecutionContext,
  deadLetter: boolean,
  counted: (outcome: "acked" | "retried" | "invalid" | "dropped" | "dead_lettered") => void,
): Promise<void> {
  for (const message of batch.messages) {
    const label = `queue:${batch.queue}:${message.id}`;
    const fields = { queue: batch.queue, message_id: message.id, attempts: message.attempts };
    const parsed = queueMessageSchema.safeParse(message.body);
    if (!parsed.success || deadLetter) {
      const log = createLogger(label, fields);
      if (deadLetter) log.warn("dead-lettered message", { outcome: "dead_lettered" });
      else log.error("message body does not parse", { outcome: "invalid_body" });
      counted(deadLetter ? "dead_lettered" : "invalid");
      message.ack();
      continue;
    }
    let log: Logger = createLogger(label, fields);
    try {
      const handler = messageHandlers[parsed.data.type] as MessageHandler<QueueMessageType> | undefined;
      if (!handler) throw new Error(`no consumer for ${parsed.data.type} in this build`);
      const ctx = systemContext(env, execution, label, parsed.data.type, { log: fields });
      log = ctx.log;
      await handler({ ctx, message: parsed.data });
      counted("acked");
      message.ack();
    } catch (error) {
      if (error instanceof DoNotRetry) {
        log.warn("message cannot succeed; acked", { outcome: "dropped", error });
        counted("dropped");
        message.ack();
        continue;
      }
      if (error instanceof RetryLater && error.delaySeconds !== undefined) {
        // The consumer knows when to come back (e.g. the push service's Retry-After).
        const delaySeconds = Math.min(MAX_ASKED_DELAY_SECONDS, Math.max(0, Math.ceil(error.delaySeconds)));
        log.warn("message failed for now; retrying when asked", { outcome: "retry", error, delay_seconds: delaySeconds });
        counted("retried");
        message.retry({ delaySeconds });
        continue;
      }
      log.error("message failed; retrying", { outcome: "retry", error });
      reportError(error, { request_id: label, queue: batch.queue, message_type: parsed.data.type, attempts: String(message.attempts) });
      counted("retried");
      message.retry({ delaySeconds: retryDelaySeconds(message.attempts) });
    }
  }
}
