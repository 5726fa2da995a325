import { sql, type SQL } from "drizzle-orm";
import type { ServiceContext } from "../context";
import { QUEUE_MAX_DELAY_SECONDS } from "../outbox/enqueue";
import type { QueueMessage } from "../outbox/messages";

/** Cloudflare Queues' `sendBatch` takes at most 100 messages. */
const SEND_BATCH = 100;
/** Claimed per call at most; a larger backlog is scheduled over the next minutes. */
const CLAIM_LIMIT = 2_000;
/** A pending reminder this long overdue is given up as `failed` instead of firing (it is not a reminder any more). */
export const GIVE_UP_AFTER_SECONDS = 24 * 60 * 60;
/** An overdue pending reminder whose message was handed over this long ago is enqueued again (the message was lost). */
export const REDELIVER_AFTER_SECONDS = 60;

export type ScheduleScope = { all: true } | { userId: string; taskId: string } | { userId: string; reminderId: string };

interface Claimed extends Record<string, unknown> {
  id: string;
  user_id: string;
  remind_at: string;
}

/**
 * Hands reminders to the `reminders` queue (docs/reminders-notifications-realtime.md "Firing, as built"):
 * claims, in ONE statement, the pending reminders of `scope` that are due within the queue's maximum delay
 * and not on the queue yet (`enqueued_at is null`) – plus overdue ones whose message evidently got lost –,
 * marks them enqueued, and sends one `reminder_fire` each with `delaySeconds` so it arrives at its second.
 * A send that fails un-marks its reminders, so the next minute sweep sends them again. Called after the
 * commit of every write that arms a reminder (scoped to it) and by the minute sweep (`all`).
 */
export async function scheduleReminders(ctx: ServiceContext, scope: ScheduleScope): Promise<{ enqueued: number; failed: number }> {
  const now = ctx.clock.now();
  const at = now.toISOString();
  const claimed = await ctx.db.execute<Claimed>(sql`
    update reminders r set enqueued_at = ${at}::timestamptz
    where r.id in (
      select c.id from reminders c
      where c.status = 'pending' and c.remind_at is not null ${scopeSql(scope)}
        and c.remind_at <= ${at}::timestamptz + make_interval(secs => ${QUEUE_MAX_DELAY_SECONDS})
        and c.remind_at > ${at}::timestamptz - make_interval(secs => ${GIVE_UP_AFTER_SECONDS})
        and (c.enqueued_at is null
          or (c.remind_at <= ${at}::timestamptz - make_interval(secs => ${REDELIVER_AFTER_SECONDS})
              and c.enqueued_at <= ${at}::timestamptz - make_interval(secs => ${REDELIVER_AFTER_SECONDS})))
      order by c.remind_at
      limit ${CLAIM_LIMIT}
      for update skip locked)
    returning r.id, r.user_id, r.remind_at::text as remind_at`);
  const rows = claimed.rows;
  let failed = 0;
  for (let start = 0; start < rows.length; start += SEND_BATCH) {
    const chunk = rows.slice(start, start + SEND_BATCH);
    try {
      await ctx.env.REMINDERS_QUEUE.sendBatch(chunk.map((row) => ({ body: fireMessage(row), ...delayOf(row, now) })));
    } catch (error) {
      failed += chunk.length;
      ctx.log.warn("reminder send failed; the minute sweep sends it again", { reminders: chunk.length, error });
      await ctx.db.execute(sql`update reminders set enqueued_at = null
        where id in (select (jsonb_array_elements_text(${JSON.stringify(chunk.map((row) => row.id))}::jsonb))::uuid)
          and enqueued_at = ${at}::timestamptz`);
    }
  }
  return { enqueued: rows.length - failed, failed };
}

function scopeSql(scope: ScheduleScope): SQL {
  if ("all" in scope) return sql``;
  if ("taskId" in scope) return sql`and c.task_id = ${scope.taskId} and c.user_id = ${scope.userId}`;
  return sql`and c.id = ${scope.reminderId} and c.user_id = ${scope.userId}`;
}

function fireMessage(row: Claimed): QueueMessage {
  return { type: "reminder_fire", reminder_id: row.id, user_id: row.user_id, remind_at: new Date(row.remind_at).toISOString() };
}

/** Whole seconds until it is due, rounded up: the message never arrives before its second. */
function delayOf(row: Claimed, now: Date): { delaySeconds?: number } {
  const seconds = Math.ceil((Date.parse(row.remind_at) - now.getTime()) / 1000);
  return seconds > 0 ? { delaySeconds: Math.min(seconds, QUEUE_MAX_DELAY_SECONDS) } : {};
}

/**
 * The minute sweep (`reminders_sweep`): reminders coming into the queue's range, lost messages, and – in the
 * same run – pending reminders overdue by more than a day given up as `failed` (the Worker was down that long).
 */
export async function sweepReminders({ ctx }: { ctx: ServiceContext }): Promise<{ enqueued: number; failed: number; given_up: number }> {
  const at = ctx.clock.now().toISOString();
  const givenUp = await ctx.db.execute(sql`
    update reminders set status = 'failed', updated_at = ${at}::timestamptz
    where status = 'pending' and remind_at <= ${at}::timestamptz - make_interval(secs => ${GIVE_UP_AFTER_SECONDS})`);
  const scheduled = await scheduleReminders(ctx, { all: true });
  return { ...scheduled, given_up: givenUp.rowCount ?? 0 };
}
