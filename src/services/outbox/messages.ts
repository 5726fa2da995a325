import { z } from "zod";
import type { OutboxTopic } from "../../db/schema";
import type { ServiceContext } from "../context";

/**
 * Queue message bodies (docs/write-protocol.md "Queue messages"): ids only, never row contents, so a message
 * can never carry stale data – the consumer re-reads the row. Every body is zod-checked when it is enqueued
 * and again when it is consumed.
 */
export const queueMessageSchema = z.discriminatedUnion("type", [
  /** `remind_at`: the instant this message fires the reminder for – after a change of the time, an older message does nothing. */
  z.object({ type: z.literal("reminder_fire"), reminder_id: z.uuid(), user_id: z.uuid(), remind_at: z.iso.datetime() }),
  z.object({ type: z.literal("recurring_task_generate"), template_id: z.uuid(), occurrence_at: z.iso.datetime().optional() }),
  z.object({ type: z.literal("push_deliver"), notification_id: z.uuid(), subscription_id: z.uuid().optional() }),
]);

export type QueueMessage = z.output<typeof queueMessageSchema>;
export type QueueMessageType = QueueMessage["type"];

/** The one place that says which queue carries which message type (queue names as in wrangler.toml). */
export const queueForMessage: Record<QueueMessageType, OutboxTopic> = {
  reminder_fire: "reminders",
  recurring_task_generate: "recurring",
  push_deliver: "push",
};

/** The queue binding of each topic. */
export function queueBinding(ctx: ServiceContext, topic: OutboxTopic): Queue {
  switch (topic) {
    case "reminders":
      return ctx.env.REMINDERS_QUEUE;
    case "recurring":
      return ctx.env.RECURRING_QUEUE;
    case "push":
      return ctx.env.PUSH_QUEUE;
  }
}

/**
 * A consumer's answer that the message can never succeed (e.g. it is about a row that was deleted): the
 * queue entry acks it and logs why, instead of retrying it into the dead-letter queue.
 */
export class DoNotRetry extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = "DoNotRetry";
  }
}

/**
 * A consumer's answer that the message failed for now and should be retried after `delaySeconds` (e.g. a
 * push service's `Retry-After`) instead of the queue's own exponential backoff; it still counts as one of
 * the consumer's max_retries, after which the platform dead-letters it.
 */
export class RetryLater extends Error {
  readonly delaySeconds: number | undefined;

  constructor(reason: string, delaySeconds?: number) {
    super(reason);
    this.name = "RetryLater";
    this.delaySeconds = delaySeconds;
  }
}

export type MessageHandler<T extends QueueMessageType> = (input: {
  ctx: ServiceContext;
  message: Extract<QueueMessage, { type: T }>;
}) => Promise<void>;
