// The message contract lives with the services that enqueue it (src/services/outbox/messages.ts).
export { DoNotRetry, RetryLater, queueForMessage, queueMessageSchema } from "../src/services/outbox/messages";
export type { MessageHandler, QueueMessage, QueueMessageType } from "../src/services/outbox/messages";
