import { deliverPush } from "../../src/services/push/deliver";
import { generateRecurringTask } from "../../src/services/recurring/generate";
import { fireReminder } from "../../src/services/reminders/fire";
import type { MessageHandler, QueueMessageType } from "../messages";

/**
 * Message type → consumer. Features register their consumer here (reminders: reminder_fire, recurring
 * templates: recurring_task_generate, push: push_deliver). A type without a consumer in this build is retried
 * with backoff and finally dead-lettered – never silently dropped.
 */
export const messageHandlers: { [T in QueueMessageType]?: MessageHandler<T> } = {
  recurring_task_generate: generateRecurringTask,
  reminder_fire: fireReminder,
  push_deliver: deliverPush,
};
