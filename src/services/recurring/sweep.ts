import { sql } from "drizzle-orm";
import type { ServiceContext } from "../context";
import type { QueueMessage } from "../outbox/messages";

/** At most this many templates per run; a larger backlog is caught up over the next minutes. */
const SWEEP_BATCH = 100;

/**
 * The minute catch-up (docs/recurring.md "Instance generation"): every running template that waits for an
 * instance – not paused, a pending occurrence, no open instance – gets its `recurring_task_generate` message
 * again, in case the one its write enqueued was lost. One set-based, bounded read and one `sendBatch`; a
 * message for an occurrence already generated does nothing (the consumer is idempotent), so a duplicate of a
 * message still in flight is harmless. This is also how the series continues after its open instance was
 * deleted.
 */
export async function sweepRecurring({ ctx }: { ctx: ServiceContext }): Promise<{ sent: number }> {
  const rows = await ctx.db.execute<{ id: string; next_occurrence_at: string }>(sql`
    select tt.id, tt.next_occurrence_at from task_templates tt
    where tt.active and tt.next_occurrence_at is not null
      and not exists (select 1 from task_instances i where i.template_id = tt.id and not i.completed and not i.archived)
    order by tt.next_occurrence_at, tt.id
    limit ${SWEEP_BATCH}`);
  if (rows.rows.length === 0) return { sent: 0 };
  const messages: QueueMessage[] = rows.rows.map((row) => ({
    type: "recurring_task_generate",
    template_id: row.id,
    occurrence_at: new Date(row.next_occurrence_at).toISOString(),
  }));
  await ctx.env.RECURRING_QUEUE.sendBatch(messages.map((body) => ({ body })));
  return { sent: messages.length };
}
