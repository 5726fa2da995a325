import pg from "pg";
import type { BenchStack, MeasuredRun } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";
import { fireScheduled, waitForCount } from "../scheduled.ts";

/**
 * 1,000 reminders due within one minute (docs/reminders-notifications-realtime.md "Firing, as built"): 50
 * users × 4 tasks × 5 reminders are seeded straight into the database, due evenly between 70 s and 130 s
 * from now and not yet on the queue; one minute Cron Trigger (`* * * * *` through wrangler dev's
 * `/cdn-cgi/local/scheduled`) runs `reminders_sweep`, which hands them all to the real `reminders` queue
 * with their delays; the local runtime delivers them to the Worker's consumer. Reported: delivery lateness
 * (the notification's `created_at` − `remind_at`) p50/p95/max, reminders fired, duplicates (notifications
 * beyond one per reminder – must be 0) and how long the sweep took.
 */
const USERS = 50;
const TASKS_PER_USER = 4;
const PER_TASK = 5;
const TOTAL = USERS * TASKS_PER_USER * PER_TASK;

async function measure(stack: BenchStack, { log }: { log: (line: string) => void }): Promise<MeasuredRun> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const start = Date.now() + 70_000;
    await client.query(
      `with u as (insert into users (google_sub, email, name)
                  select 'remind-' || n, 'remind-' || n || '@example.test', 'Reminder ' || n from generate_series(1, $1::int) n returning id),
       t as (insert into task_instances (user_id, title) select u.id, 'Task ' || k from u, generate_series(1, $2::int) k returning id, user_id)
       insert into reminders (user_id, task_id, kind, remind_at, channel)
       select t.user_id, t.id, 'absolute',
         to_timestamp($4::bigint / 1000.0) + make_interval(secs => (row_number() over (order by t.id, r) - 1) * 60.0 / $5::int),
         'in_app'
       from t, generate_series(1, $3::int) r`,
      [USERS, TASKS_PER_USER, PER_TASK, start, TOTAL],
    );
    log(`seeded ${TOTAL} reminders due between +70 s and +130 s; firing the minute trigger…`);
    const { status, wallMs: sweepMs } = await fireScheduled(stack, "* * * * *");
    const { rows: queued } = await client.query<{ n: string }>("select count(*) as n from reminders where enqueued_at is not null");
    log(`sweep answered ${status} in ${Math.round(sweepMs)} ms; ${queued[0]?.n ?? "?"} reminders on the queue; waiting for them to fire…`);

    const deadline = start + 60_000 + 90_000;
    await waitForCount(client, "select count(*) as n from reminders where status <> 'pending'", TOTAL, deadline);
    const { rows: stats } = await client.query<{ p50: number; p95: number; max: number; min: number; notifications: string; distinct_reminders: string; sent: string }>(
      `with late as (select extract(epoch from (n.created_at - r.remind_at)) * 1000 as ms
                     from notifications n join reminders r on r.id = (n.data->>'reminder_id')::uuid where n.type = 'reminder')
       select percentile_cont(0.5) within group (order by ms) as p50, percentile_cont(0.95) within group (order by ms) as p95,
              max(ms) as max, min(ms) as min,
              (select count(*) from notifications where type = 'reminder') as notifications,
              (select count(distinct data->>'reminder_id') from notifications where type = 'reminder') as distinct_reminders,
              (select count(*) from reminders where status = 'sent') as sent
       from late`,
    );
    const s = stats[0];
    const figures = {
      reminders: TOTAL,
      sent: Number(s?.sent ?? 0),
      notifications: Number(s?.notifications ?? 0),
      duplicates: Number(s?.notifications ?? 0) - Number(s?.distinct_reminders ?? 0),
      lateness_ms: { p50: Math.round(Number(s?.p50 ?? -1)), p95: Math.round(Number(s?.p95 ?? -1)), max: Math.round(Number(s?.max ?? -1)), min: Math.round(Number(s?.min ?? -1)) },
      sweep_ms: Math.round(sweepMs),
    };
    const report = [
      "| reminders | fired (sent) | notifications | duplicates | lateness p50 | p95 | max | earliest | sweep (trigger wall time) |",
      "|---|---|---|---|---|---|---|---|---|",
      `| ${TOTAL} | ${figures.sent} | ${figures.notifications} | ${figures.duplicates} | ${figures.lateness_ms.p50} ms | ${figures.lateness_ms.p95} ms | ${figures.lateness_ms.max} ms | ${figures.lateness_ms.min} ms | ${figures.sweep_ms} ms |`,
    ].join("\n");
    const clean = figures.sent === TOTAL && figures.duplicates === 0 && figures.lateness_ms.max <= 60_000 && figures.lateness_ms.min >= -1_000;
    return { report, figures, clean };
  } finally {
    await client.end();
  }
}

export default defineScenario({
  name: "reminders",
  description: "1,000 reminders due within one minute, through the sweep and the real reminders queue: lateness and duplicates",
  defaults: { durationSeconds: 300, connections: 1, warmupSeconds: 0 },
  measure,
});
