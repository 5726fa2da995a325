import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { queueBinding, queueForMessage, queueMessageSchema, type QueueMessage } from "./messages";
import { markRelayed } from "./relay";

/** Cloudflare Queues' largest `delaySeconds`; a message due later waits in the outbox for the minute relay. */
export const QUEUE_MAX_DELAY_SECONDS = 12 * 60 * 60;
/**
 * How long the relay leaves a row alone that the after-commit send is about to send, so the two do not both
 * send it; a failed after-commit send is relayed within this plus a minute.
 */
export const RELAY_GRACE_SECONDS = 30;

export interface Enqueued {
  id: string;
  message: QueueMessage;
  delaySeconds: number;
}

/**
 * The outbox rows of a write as ONE statement of its commit batch (docs/write-protocol.md "Queue
 * messages"): each body is checked against its schema here, so a malformed message fails the write instead
 * of a consumer later; the topic (queue) follows from the message type.
 */
export function outboxStatement(ctx: ServiceContext, userId: string | undefined, messages: readonly Enqueued[]) {
  if (messages.length === 0) return undefined;
  const now = ctx.clock.now().getTime();
  const rows = messages.map(({ id, message, delaySeconds }) => ({
    id,
    user_id: userId ?? null,
    topic: queueForMessage[message.type],
    message: queueMessageSchema.parse(message),
    // When the relay may send it: when due, but not before the after-commit send had its chance.
    available_at: new Date(now + (delaySeconds > QUEUE_MAX_DELAY_SECONDS ? delaySeconds : Math.max(delaySeconds, RELAY_GRACE_SECONDS)) * 1000).toISOString(),
    created_at: new Date(now).toISOString(),
  }));
  return ctx.db.execute(sql`
    insert into outbox (id, user_id, topic, message, available_at, created_at)
    select r.id, r.user_id, r.topic, r.message, r.available_at, r.created_at
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
      as r(id uuid, user_id uuid, topic text, message jsonb, available_at timestamptz, created_at timestamptz)`);
}

/**
 * Right after the commit (in `waitUntil`): sends the write's messages to their queues – with `delaySeconds`
 * so a message arrives when it is due – and marks the sent rows. A failed send only logs: the row stays
 * unsent and the minute relay sends it (as it does when the Worker dies between commit and send). A message
 * due beyond the queue's maximum delay is left to the relay.
 */
export async function sendAfterCommit(ctx: ServiceContext, messages: readonly Enqueued[]): Promise<void> {
  const sendable = messages.filter((entry) => entry.delaySeconds <= QUEUE_MAX_DELAY_SECONDS);
  const sent: string[] = [];
  const failed: { id: string; error: string }[] = [];
  const topics = new Set(sendable.map((entry) => queueForMessage[entry.message.type]));
  for (const topic of topics) {
    const batch = sendable.filter((entry) => queueForMessage[entry.message.type] === topic);
    try {
      await queueBinding(ctx, topic).sendBatch(
        batch.map((entry) => ({ body: entry.message, ...(entry.delaySeconds > 0 && { delaySeconds: entry.delaySeconds }) })),
      );
      sent.push(...batch.map((entry) => entry.id));
    } catch (error) {
      ctx.log.warn("outbox send after commit failed; the minute relay will send it", { topic, error });
      failed.push(...batch.map((entry) => ({ id: entry.id, error: error instanceof Error ? error.message : String(error) })));
    }
  }
  await markRelayed(ctx, sent, failed);
}
