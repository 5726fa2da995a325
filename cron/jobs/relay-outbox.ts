import { sql } from "drizzle-orm";
import type { OutboxTopic } from "../../src/db/schema";
import type { Bindings } from "../../src/env";
import type { CronJob } from "../index";

const BATCH = 100;
const LEASE_SECONDS = 120;

const queueFor = (env: Bindings): Record<OutboxTopic, Queue> => ({
  reminders: env.REMINDERS_QUEUE,
  recurring: env.RECURRING_QUEUE,
  push: env.PUSH_QUEUE,
});

/**
 * Outbox relay (ARCHITECTURE "Outbox"): a change that must cause a Queue message wrote an `outbox` row in
 * its own atomic step; this job sends the due, unsent rows. Claiming sets a short lease (available_at moves
 * forward) so overlapping runs never send the same row twice at once, and a Worker dying after the send but
 * before `sent_at` is written only causes a re-send after the lease – consumers are idempotent. Two round
 * trips per run, whatever the number of rows.
 */
export const relayOutbox: CronJob = {
  name: "relay_outbox",
  async run({ ctx }) {
    const now = ctx.clock.now().toISOString();
    const claimed = await ctx.db.execute<{ id: string; topic: OutboxTopic; message: Record<string, unknown> }>(sql`
      update outbox
      set attempts = attempts + 1, available_at = ${now}::timestamptz + make_interval(secs => ${LEASE_SECONDS})
      where id in (
        select id from outbox
        where sent_at is null and available_at <= ${now}::timestamptz
        order by available_at
        limit ${BATCH}
        for update skip locked
      )
      returning id, topic, message
    `);
    if (claimed.rows.length === 0) return { claimed: 0, sent: 0, failed: 0 };

    const queues = queueFor(ctx.env);
    const sent: string[] = [];
    const failed: { id: string; error: string }[] = [];
    for (const topic of Object.keys(queues) as OutboxTopic[]) {
      const rows = claimed.rows.filter((row) => row.topic === topic);
      if (rows.length === 0) continue;
      try {
        await queues[topic].sendBatch(rows.map((row) => ({ body: row.message })));
        sent.push(...rows.map((row) => row.id));
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failed.push(...rows.map((row) => ({ id: row.id, error: message })));
      }
    }
    await ctx.db.execute(sql`
      update outbox as o
      set sent_at = case when r.error is null then now() else null end,
          last_error = r.error
      from jsonb_to_recordset(${JSON.stringify([...sent.map((id) => ({ id, error: null })), ...failed])}::jsonb)
           as r(id uuid, error text)
      where o.id = r.id
    `);
    return { claimed: claimed.rows.length, sent: sent.length, failed: failed.length };
  },
};
