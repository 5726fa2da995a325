import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevStack, type DevStack } from "../support/dev-stack.ts";

/**
 * The daily credit job (docs/credits.md; services/credits/daily.ts → perpetua_daily_credits, migration 0011)
 * end to end on an isolated dev-style stack: the Cron Trigger fired through wrangler dev's
 * `/cdn-cgi/local/scheduled` at a chosen instant, the Worker's log lines, the API, the database. The job acts
 * on ALL users, so it must not run against the database the workerd suites share – hence its own stack.
 * Each test uses its own run dates (job_runs claims one run per date) and asserts on its own users.
 */
const DAILY = "0 0 * * *";
const METRICS_TOKEN = "daily-jobs-metrics-token";
let stack: DevStack;

beforeAll(async () => {
  stack = await startDevStack({ vars: { METRICS_TOKEN } });
}, 240_000);

afterAll(async () => {
  await stack?.stop();
}, 60_000);

async function newUser(tier: "free" | "pro"): Promise<string> {
  const sub = `daily-${crypto.randomUUID()}`;
  const [row] = await stack.sql<{ id: string }>(
    "insert into users (google_sub, email, name, tier) values ($1, $1 || '@example.test', 'Daily', $2) returning id",
    [sub, tier],
  );
  if (!row) throw new Error("no user");
  return row.id;
}

interface Lot extends Record<string, unknown> {
  id: string;
  kind: string;
  amount: number;
  remaining: number;
  expires_at: string | null;
  expired: boolean;
  reference: string | null;
}

const lotsOf = (userId: string) =>
  stack.sql<Lot>(
    `select id, kind, amount, remaining, to_char(expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as expires_at,
            expired_at is not null as expired, reference
     from credit_lots where user_id = $1 order by created_at, id`,
    [userId],
  );

const ledgerOf = (userId: string) =>
  stack.sql<{ kind: string; amount: number; balance_after: number; reason: string; reference: string | null }>(
    "select kind, amount, balance_after, reason, reference from credit_ledger where user_id = $1 order by seq",
    [userId],
  );

async function invariant(userId: string): Promise<{ lots: number; last: number; ledger: number }> {
  const [row] = await stack.sql<{ lots: number; last: number; ledger: number }>(
    `select (select coalesce(sum(remaining), 0)::int from credit_lots where user_id = $1) as lots,
            coalesce((select balance_after from credit_ledger where user_id = $1 order by seq desc limit 1), 0) as last,
            (select coalesce(sum(amount), 0)::int from credit_ledger where user_id = $1) as ledger`,
    [userId],
  );
  if (!row) throw new Error("no invariant row");
  return row;
}

/** Fires the daily trigger at `at` and returns the `job`'s log line of that run (default daily_credits). */
async function runDaily(at: string, job = "daily_credits"): Promise<Record<string, unknown>> {
  const requestId = `cron:${job}:${new Date(at).toISOString()}`;
  // Repeats of one instant share the request id: this run's line is the one after those already there.
  const finished = () => stack.logLines().filter((line) => line.request_id === requestId && line.message === "cron job finished");
  const before = finished().length;
  const response = await stack.triggerCron(DAILY, new Date(at));
  expect(response.status).toBe(200);
  await stack.waitForLog(() => finished().length > before, 15_000);
  const line = finished()[before];
  if (!line) throw new Error(`no log line for ${requestId}`);
  return line;
}

describe("daily credits job (cron 0 0 * * *) on an isolated stack", () => {
  it("expires a Pro user's daily lot and grants the new day's, once however often the run for a date repeats", async () => {
    const userId = await newUser("pro");
    const first = await runDaily("2031-03-01T00:00:00Z");
    expect(first).toMatchObject({ action: "cron.daily_credits", outcome: "success", claimed: true });
    // The day's expiry and grants: one round trip for any number of users; the audit is the next job's.
    expect(await stack.roundTrips("cron:daily_credits:2031-03-01T00:00:00.000Z")).toBe(1);
    expect(await lotsOf(userId)).toEqual([
      expect.objectContaining({ kind: "daily", amount: 10, remaining: 10, expires_at: "2031-03-02T00:00:00Z", expired: false, reference: "daily:2031-03-01" }),
    ]);

    // The same date again – right away and late in the day – does nothing.
    await runDaily("2031-03-01T00:00:00Z");
    const late = await runDaily("2031-03-01T05:00:00Z");
    expect(late).toMatchObject({ outcome: "success", claimed: false });
    expect(await lotsOf(userId)).toHaveLength(1);

    // The day's credits are spent in part (the consumption operation, as of that day) …
    await stack.sql("select perpetua_consume_credits($1, 3, 'ai_chat', 'chat-1', 'test', '2031-03-01T12:00:00Z')", [userId]);
    // … and the next day's run expires the rest and grants the new day's lot – once.
    expect(await runDaily("2031-03-02T00:00:00Z")).toMatchObject({ claimed: true });
    await runDaily("2031-03-02T00:00:00Z");
    await runDaily("2031-03-02T23:59:00Z");
    const lots = await lotsOf(userId);
    expect(lots.map(({ remaining, expires_at, expired, reference }) => ({ remaining, expires_at, expired, reference }))).toEqual([
      { remaining: 0, expires_at: "2031-03-02T00:00:00Z", expired: true, reference: "daily:2031-03-01" },
      { remaining: 10, expires_at: "2031-03-03T00:00:00Z", expired: false, reference: "daily:2031-03-02" },
    ]);
    expect(await ledgerOf(userId)).toEqual([
      { kind: "grant", amount: 10, balance_after: 10, reason: "daily_grant", reference: "daily:2031-03-01" },
      { kind: "consume", amount: -3, balance_after: 7, reason: "ai_chat", reference: "chat-1" },
      { kind: "expire", amount: -7, balance_after: 0, reason: "daily_expiry", reference: "daily:2031-03-02" },
      { kind: "grant", amount: 10, balance_after: 10, reason: "daily_grant", reference: "daily:2031-03-02" },
    ]);
    expect(await invariant(userId)).toEqual({ lots: 10, last: 10, ledger: 10 });
    const runs = await stack.sql("select run_date::text from job_runs where job = 'daily_credits' and run_date in ('2031-03-01', '2031-03-02') order by 1");
    expect(runs).toEqual([{ run_date: "2031-03-01" }, { run_date: "2031-03-02" }]);

    // The API shows what the job granted.
    const token = await stack.accessToken(userId, "pro");
    const response = await stack.fetch("/api/v1/credits", { headers: { Authorization: `Bearer ${token}` } });
    expect(await response.json()).toEqual({
      data: { total: 10, by_kind: { daily: 10, subscription: 0, purchased: 0, kickstart: 0 }, next_expiry: { at: "2031-03-03T00:00:00.000Z", amount: 10 } },
    });
  });

  it("daily_ai_credits perks add daily credits – for Pro users and, alone, for free users", async () => {
    const [perk] = await stack.sql<{ id: string; perk_value: number }>(
      "select id, perk_value from achievement_definitions where perk_type = 'daily_ai_credits' order by id limit 1",
    );
    if (!perk) throw new Error("the catalogue has no daily_ai_credits perk");
    const pro = await newUser("pro");
    const freeWithPerk = await newUser("free");
    const freeWithout = await newUser("free");
    for (const userId of [pro, freeWithPerk]) {
      await stack.sql("insert into user_achievements (user_id, achievement_id) values ($1, $2)", [userId, perk.id]);
    }
    expect(await runDaily("2031-04-01T00:00:00Z")).toMatchObject({ claimed: true });
    expect((await lotsOf(pro)).map((lot) => lot.amount)).toEqual([10 + perk.perk_value]);
    expect((await lotsOf(freeWithPerk)).map((lot) => [lot.kind, lot.amount, lot.expires_at])).toEqual([["daily", perk.perk_value, "2031-04-02T00:00:00Z"]]);
    expect(await lotsOf(freeWithout)).toEqual([]);
    for (const userId of [pro, freeWithPerk]) {
      const { lots, last, ledger } = await invariant(userId);
      expect([last, ledger]).toEqual([lots, lots]);
    }
  });
});

describe("credit ledger audit (credit_drift_audit, cron 0 0 * * *) on an isolated stack", () => {
  /** `credit_ledger_drift_users` as GET /metrics serves it, once it equals `expected` (the flush trails the run by ~1 s). */
  async function driftGaugeBecomes(expected: number): Promise<number | undefined> {
    let value: number | undefined;
    for (let attempt = 0; attempt < 50; attempt += 1) {
      const response = await stack.fetch("/api/v1/metrics", { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(response.status).toBe(200);
      const line = (await response.text()).split("\n").find((candidate) => candidate.startsWith("credit_ledger_drift_users "));
      value = line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
      if (value === expected) return value;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return value;
  }

  it("a clean ledger shows 0 drifting users in /metrics; one corrupted user shows 1, logged at error level, repaired by nobody", async () => {
    // Every user of this stack's database so far has only been moved by the credit functions.
    const clean = await runDaily("2031-05-01T00:00:00Z", "credit_drift_audit");
    expect(clean).toMatchObject({ action: "cron.credit_drift_audit", outcome: "success", drift_users: 0 });
    expect(await stack.roundTrips("cron:credit_drift_audit:2031-05-01T00:00:00.000Z")).toBe(1);
    expect(await driftGaugeBecomes(0)).toBe(0);

    const userId = await newUser("free");
    await stack.sql(
      "select perpetua_grant_credits($1, 'purchased', 50, null, 'credit_pack', 'pay-drift', 'credit_pack', 'test', '2031-05-01T00:00:00Z')",
      [userId],
    );
    // Corrupt the lot (the ledger is append-only): 49 left in the lot, 50 in the ledger.
    await stack.sql("update credit_lots set remaining = remaining - 1 where user_id = $1", [userId]);
    const ledgerBefore = await ledgerOf(userId);

    const finished = await runDaily("2031-05-02T00:00:00Z", "credit_drift_audit");
    expect(finished).toMatchObject({ outcome: "success", drift_users: 1 });
    const drift = await stack.waitForLog((line) => line.message === "credit invariant drift" && line.request_id === "cron:credit_drift_audit:2031-05-02T00:00:00.000Z");
    expect(drift).toMatchObject({ level: "error", action: "cron.credit_drift_audit", drift_users: 1, user_ids: [userId] });
    expect(await driftGaugeBecomes(1)).toBe(1);

    expect(await lotsOf(userId)).toEqual([expect.objectContaining({ kind: "purchased", amount: 50, remaining: 49 })]);
    expect(await ledgerOf(userId)).toEqual(ledgerBefore);
    expect(await invariant(userId)).toEqual({ lots: 49, last: 50, ledger: 50 });

    // The audit changes nothing, so a repeated trigger for the same instant finds the same; after a repair, 0.
    expect(await runDaily("2031-05-02T00:00:00Z", "credit_drift_audit")).toMatchObject({ drift_users: 1 });
    await stack.sql("update credit_lots set remaining = remaining + 1 where user_id = $1", [userId]);
    expect(await runDaily("2031-05-03T00:00:00Z", "credit_drift_audit")).toMatchObject({ drift_users: 0 });
    expect(await driftGaugeBecomes(0)).toBe(0);
  });
});

describe("daily streak job (cron 0 0 * * *) on an isolated stack", () => {
  const streakOf = async (userId: string) =>
    (await stack.sql<{ current_streak: number; longest_streak: number }>(
      "select current_streak, longest_streak from user_achievement_states where user_id = $1",
      [userId],
    ))[0];

  it("a streak of 3 survives the run for the next day and is reset by the run two days later, once", async () => {
    const kept = await newUser("free");
    const broken = await newUser("free");
    // Last completions on 2018-07-10 (a streak of 3) and 2018-07-08 (a streak of 5).
    await stack.sql(
      `insert into user_achievement_states (user_id, lifetime_tasks_completed, current_streak, longest_streak, last_completion_date)
       values ($1, 3, 3, 3, '2018-07-10'), ($2, 5, 5, 5, '2018-07-08')`,
      [kept, broken],
    );

    const next = await stack.triggerCron(DAILY, new Date("2018-07-11T00:00:00Z"));
    expect(next.status).toBe(200);
    await stack.waitForLog((line) => line.request_id === "cron:streak_calculate:2018-07-11T00:00:00.000Z" && line.message === "cron job finished", 15_000);
    expect(await streakOf(kept)).toEqual({ current_streak: 3, longest_streak: 3 });
    expect(await streakOf(broken)).toEqual({ current_streak: 0, longest_streak: 5 });

    // Two days after the last completion: broken; the longest streak stays.
    await stack.triggerCron(DAILY, new Date("2018-07-12T00:00:00Z"));
    await stack.waitForLog((line) => line.request_id === "cron:streak_calculate:2018-07-12T00:00:00.000Z" && line.message === "cron job finished", 15_000);
    expect(await streakOf(kept)).toEqual({ current_streak: 0, longest_streak: 3 });

    // A repeated trigger for 07-12 after the streak moved again changes nothing: one run per date.
    await stack.sql("update user_achievement_states set current_streak = 1, last_completion_date = '2018-07-09' where user_id = $1", [kept]);
    await stack.triggerCron(DAILY, new Date("2018-07-12T00:03:00Z"));
    await stack.waitForLog((line) => line.request_id === "cron:streak_calculate:2018-07-12T00:03:00.000Z" && line.message === "cron job finished", 15_000);
    expect(await streakOf(kept)).toEqual({ current_streak: 1, longest_streak: 3 });
  });
});
