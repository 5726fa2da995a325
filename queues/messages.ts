import type { ServiceContext } from "../src/services/context";
import { z } from "zod";

/**
 * Queue message bodies (ARCHITECTURE "Queues"): ids only, never row contents, so a message can never carry
 * stale data – the consumer re-reads the row. Every body is zod-parsed before it is acted on.
 */
export const queueMessageSchema = z.discriminatedUnion("type", [
  z.object({ type: z.literal("reminder_fire"), reminder_id: z.uuid() }),
  z.object({ type: z.literal("recurring_task_generate"), template_id: z.uuid(), occurrence_at: z.iso.datetime().optional() }),
  z.object({ type: z.literal("push_deliver"), notification_id: z.uuid(), subscription_id: z.uuid().optional() }),
]);

export type QueueMessage = z.output<typeof queueMessageSchema>;
export type QueueMessageType = QueueMessage["type"];

/** Which queue carries which message type (queue names as in wrangler.toml). */
export const queueForMessage: Record<QueueMessageType, "reminders" | "recurring" | "push"> = {
  reminder_fire: "reminders",
  recurring_task_generate: "recurring",
  push_deliver: "push",
};

export type MessageHandler<T extends QueueMessageType> = (input: {
  ctx: ServiceContext;
  message: Extract<QueueMessage, { type: T }>;
}) => Promise<void>;
