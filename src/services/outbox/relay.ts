import { sql } from "drizzle-orm";
import { OUTBOX_TOPICS, type OutboxTopic } from "../../db/schema";
import type { ServiceContext } from "../context";
import { queueBinding } from "./messages";

const BATCH = 100;
const LEASE_SECONDS = 120;

/**
 * The minute relay (docs/write-protocol.md "Queue messages"): sends the due, unsent outbox rows – those whose
 * send after their commit failed or never happened (the Worker died), and those due later than a queue can
 * delay. Claiming sets a short lease (available_at moves forward), so overlapping runs never send a row twice
 * at once; a Worker dying after the send but before `sent_at` is written only causes a re-send after the
 * lease – consumers are idempotent. Two round trips per run, whatever the number of rows.
 */
export async function relayOutbox({ ctx }: { ctx: ServiceContext }): Promise<{ claimed: number; sent: number; failed: number }> {
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
    returning id, topic, message`);
  if (claimed.rows.length === 0) return { claimed: 0, sent: 0, failed: 0 };

  const sent: string[] = [];
  const failed: { id: string; error: string }[] = [];
  for (const topic of OUTBOX_TOPICS) {
    const rows = claimed.rows.filter((row) => row.topic === topic);
    if (rows.length === 0) continue;
    try {
      await queueBinding(ctx, topic).sendBatch(rows.map((row) => ({ body: row.message })));
      sent.push(...rows.map((row) => row.id));
    } catch (error) {
      failed.push(...rows.map((row) => ({ id: row.id, error: error instanceof Error ? error.message : String(error) })));
    }
  }
  await markRelayed(ctx, sent, failed);
  return { claimed: claimed.rows.length, sent: sent.length, failed: failed.length };
}

/** Marks sent rows (`sent_at`) and records the error of rows whose send failed, in one statement. */
export async function markRelayed(ctx: ServiceContext, sent: readonly string[], failed: readonly { id: string; error: string }[]): Promise<void> {
  if (sent.length === 0 && failed.length === 0) return;
  await ctx.db.execute(sql`
    update outbox as o
    set sent_at = case when r.error is null then now() else null end,
        last_error = r.error
    from jsonb_to_recordset(${JSON.stringify([...sent.map((id) => ({ id, error: null })), ...failed])}::jsonb)
         as r(id uuid, error text)
    where o.id = r.id`);
}
