import pg from "pg";
import type { BenchStack, MeasuredRun } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";
import { fireScheduled } from "../scheduled.ts";
import { totalRoundTrips } from "../stack.ts";

/**
 * The daily Cron Trigger (`0 0 * * *`: purge_expired, daily_credits – docs/credits.md) against 10,000 and then
 * 100,000 users, fired through wrangler dev's `/cdn-cgi/local/scheduled` at the run date's midnight. Users are
 * seeded set-based straight into the database: 60 % Pro, each with a kickstart lot and the previous day's daily
 * lot (a third of them partly consumed), 10 % with a daily_ai_credits perk – every lot with its ledger
 * entries, so the invariant holds and the audit finds no drift. Reported per size: wall time of the trigger
 * (the local runtime answers once the handler finished), the daily_credits job's database round trips (its
 * request id `cron:daily_credits:<instant>`), all round trips of the trigger, and what the job did.
 * Set-based SQL means the round trips stay the same whatever the number of users.
 */
const SIZES = [10_000, 100_000];
const FIRST_RUN = Date.parse("2031-01-02T00:00:00Z");
const DAY_MS = 86_400_000;

async function seedUsers(client: pg.Client, from: number, to: number, runDate: string): Promise<void> {
  const previousDay = new Date(Date.parse(runDate) - DAY_MS).toISOString();
  await client.query("begin");
  await client.query(
    `insert into users (google_sub, email, name, tier)
     select 'bench-' || n, 'bench-' || n || '@example.test', 'Bench ' || n, case when n % 10 < 6 then 'pro' else 'free' end
     from generate_series($1::int, $2::int) n`,
    [from, to],
  );
  // Kickstart for everyone, the previous day's daily lot for Pro (expiring at the run's midnight).
  await client.query(
    `with fresh as (select id, tier, substring(google_sub from 7)::int as n from users
                    where google_sub like 'bench-%' and substring(google_sub from 7)::int between $1 and $2),
     kick as (insert into credit_lots (user_id, kind, amount, remaining, source, reference, created_at)
              select id, 'kickstart', 5, 5, 'signup', 'signup', $3::timestamptz from fresh returning id, user_id)
     insert into credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, created_at)
     select user_id, id, 'grant', 5, 5, 'kickstart', 'signup', $3::timestamptz from kick`,
    [from, to, previousDay],
  );
  await client.query(
    `with fresh as (select id, substring(google_sub from 7)::int as n from users
                    where tier = 'pro' and google_sub like 'bench-%' and substring(google_sub from 7)::int between $1 and $2),
     lot as (insert into credit_lots (user_id, kind, amount, remaining, expires_at, source, reference, created_at)
             select id, 'daily', 10, 10, $4::timestamptz, 'daily', 'daily:' || to_char($3::timestamptz, 'YYYY-MM-DD'), $3::timestamptz + interval '1 second'
             from fresh returning id, user_id)
     insert into credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, created_at)
     select user_id, id, 'grant', 10, 15, 'daily_grant', 'daily:' || to_char($3::timestamptz, 'YYYY-MM-DD'), $3::timestamptz + interval '1 second' from lot`,
    [from, to, previousDay, runDate],
  );
  // A third of the Pro users spent 4 of the day's credits.
  await client.query(
    `with spent as (update credit_lots l set remaining = 6 from users u
                    where u.id = l.user_id and l.kind = 'daily' and l.expires_at = $3::timestamptz and u.google_sub like 'bench-%'
                      and substring(u.google_sub from 7)::int between $1 and $2 and substring(u.google_sub from 7)::int % 3 = 0
                    returning l.id, l.user_id)
     insert into credit_ledger (user_id, lot_id, kind, amount, balance_after, reason, reference, created_at)
     select user_id, id, 'consume', -4, 11, 'ai_chat', 'bench-chat-' || id, $3::timestamptz - interval '1 hour' from spent`,
    [from, to, runDate],
  );
  await client.query(
    `insert into user_achievements (user_id, achievement_id)
     select id, 'streak_7' from users
     where google_sub like 'bench-%' and substring(google_sub from 7)::int between $1 and $2 and substring(google_sub from 7)::int % 10 = 9`,
    [from, to],
  );
  await client.query("commit");
  await client.query("analyze");
}

interface SizeFigures {
  users: number;
  wall_ms: number;
  daily_credits_round_trips: number;
  trigger_round_trips: number;
  expired_lots: number;
  granted_lots: number;
  drift_users: number;
}

async function measure(stack: BenchStack, { log }: { log: (line: string) => void }): Promise<MeasuredRun> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  const sizes: SizeFigures[] = [];
  try {
    let seeded = 0;
    for (const [index, size] of SIZES.entries()) {
      const at = new Date(FIRST_RUN + index * DAY_MS);
      const runDate = at.toISOString().slice(0, 10);
      const seedStart = performance.now();
      await seedUsers(client, seeded + 1, size, at.toISOString());
      seeded = size;
      log(`seeded ${size} users in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; firing 0 0 * * * at ${at.toISOString()}…`);

      const before = await totalRoundTrips(stack.neonOrigin);
      const { status, wallMs: wall } = await fireScheduled(stack, "0 0 * * *", at.getTime());
      const after = await totalRoundTrips(stack.neonOrigin);
      const own = await fetch(`${stack.neonOrigin}/_control/round-trips?request_id=${encodeURIComponent(`cron:daily_credits:${at.toISOString()}`)}`);
      const ownBody = (await own.json()) as { round_trips?: number };
      const { rows } = await client.query<{ expired: string; granted: string; claimed: string }>(
        `select (select count(*) from credit_ledger where kind = 'expire' and reference = $1) as expired,
                (select count(*) from credit_ledger where kind = 'grant' and reference = $1) as granted,
                (select count(*) from job_runs where job = 'daily_credits' and run_date = $2::date) as claimed`,
        [`daily:${runDate}`, runDate],
      );
      const counts = rows[0];
      // The audit's own check, from outside: users whose lots disagree with their ledger.
      const drift = await client.query<{ n: string }>(
        `select count(*) as n from (select user_id, sum(remaining) s from credit_lots group by user_id) l
         join (select user_id, sum(amount) s from credit_ledger group by user_id) g using (user_id) where l.s <> g.s`,
      );
      sizes.push({
        users: size,
        wall_ms: Math.round(wall),
        daily_credits_round_trips: ownBody.round_trips ?? -1,
        trigger_round_trips: after - before,
        expired_lots: Number(counts?.expired ?? 0),
        granted_lots: Number(counts?.granted ?? 0),
        drift_users: Number(drift.rows[0]?.n ?? -1),
      });
      if (status !== 200 || counts?.claimed !== "1") log(`trigger answered ${status}; job_runs claims: ${counts?.claimed ?? "?"}`);
    }
  } finally {
    await client.end();
  }
  const header = "| users | wall time of the trigger | daily_credits round trips | round trips of the trigger (all daily jobs) | daily lots expired | daily lots granted | drift |";
  const lines = sizes.map(
    (s) => `| ${s.users.toLocaleString("en-US")} | ${(s.wall_ms / 1000).toFixed(2)} s | ${s.daily_credits_round_trips} | ${s.trigger_round_trips} | ${s.expired_lots} | ${s.granted_lots} | ${s.drift_users} |`,
  );
  const first = sizes[0];
  const clean =
    sizes.length === SIZES.length &&
    sizes.every((s) => s.daily_credits_round_trips === 1 && s.granted_lots > 0 && s.drift_users === 0) &&
    first !== undefined &&
    sizes.every((s) => s.trigger_round_trips === first.trigger_round_trips);
  return { report: [header, "|---|---|---|---|---|---|---|", ...lines].join("\n"), figures: sizes, clean };
}

export default defineScenario({
  name: "daily-jobs",
  description: "the daily Cron Trigger (streak_calculate, daily_credits, purge_expired) over 10,000 and 100,000 seeded users",
  defaults: { durationSeconds: 420, connections: 1, warmupSeconds: 0 },
  measure,
});
