import { describe, expect, it, vi } from "vitest";
import { runOnly, worker } from "../../support/scheduled";
import { DAILY } from "../../../cron";
import { captureLogs } from "../../support/logs";
import { injectFault } from "../../support/neon-control";
import { sentryEventsFor } from "../../support/sentry";
import { insertUser, rows, sql, testDb } from "./database";
import { existing, seedRetentionRows, type RetentionRows, type RetentionTable } from "./retention-fixtures";

/**
 * The daily Cron Trigger through the Worker's real default export (the runtime's `scheduled` event, Sentry
 * wrapper included): `purge_expired` deletes what is past retention, records its run in `job_runs`, and a
 * second trigger for the same date deletes nothing.
 */

const TABLES: RetentionTable[] = ["idempotency_records", "auth_sessions", "refresh_tokens", "deletion_tombstones", "outbox"];

async function expectPurged(db: ReturnType<typeof testDb>, userId: string, seeded: RetentionRows): Promise<void> {
  for (const table of TABLES) {
    expect(await existing(db, table, userId, seeded.expired[table]), `${table}: expired rows`).toEqual([]);
    expect(await existing(db, table, userId, seeded.kept[table]), `${table}: kept rows`).toEqual([...seeded.kept[table]].sort());
  }
}

async function expectUntouched(db: ReturnType<typeof testDb>, userId: string, seeded: RetentionRows): Promise<void> {
  for (const table of TABLES) {
    const all = [...seeded.expired[table], ...seeded.kept[table]].sort();
    expect(await existing(db, table, userId, all), `${table}: all rows`).toEqual(all);
  }
}

const jobRuns = (db: ReturnType<typeof testDb>, runDate: string) =>
  rows<{ run_date: string; outcome: string; finished: boolean }>(
    db,
    sql`select run_date::text, outcome, finished_at is not null as finished from job_runs
        where job = 'purge_expired' and run_date = ${runDate}::date`,
  );

describe("scheduled: daily purge_expired", () => {
  // The daily trigger also runs daily_credits, which acts on EVERY user: here it runs purge_expired alone.
  runOnly(DAILY, ["purge_expired"]);

  it("purges past-retention rows once per run date and records the run, as of the trigger's scheduled time", async () => {
    const db = testDb("cron-purge");
    const userId = await insertUser(db);
    // Seeded as of a past instant: relative to the real now every row is years past retention, so only a job
    // that acts as of its scheduled time keeps the `kept` rows (and other tests' newer rows) alone.
    const first = await seedRetentionRows(db, userId, Date.parse("2020-03-01T00:00:00Z"));

    await worker.scheduled({ cron: DAILY, scheduledTime: new Date("2020-03-01T00:00:00Z") });
    await expectPurged(db, userId, first);
    expect(await jobRuns(db, "2020-03-01")).toEqual([{ run_date: "2020-03-01", outcome: "success", finished: true }]);
    expect(await rows(db, sql`select 1 from job_runs where job = 'daily_credits' and run_date = '2020-03-01'`)).toEqual([]);

    // A duplicate (or late) trigger for the same date is a no-op, even with fresh expired rows present.
    const second = await seedRetentionRows(db, userId, Date.parse("2020-03-02T00:00:00Z"));
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date("2020-03-01T00:00:30Z") });
    await expectUntouched(db, userId, second);
    expect(await jobRuns(db, "2020-03-01")).toHaveLength(1);

    // The next day's run does purge them, so the no-op above was the claim and not the data.
    await worker.scheduled({ cron: DAILY, scheduledTime: new Date("2020-03-02T00:00:00Z") });
    await expectPurged(db, userId, second);
    expect(await jobRuns(db, "2020-03-02")).toEqual([{ run_date: "2020-03-02", outcome: "success", finished: true }]);
  });

  it("a run whose database work fails records nothing, so the retried trigger for that date still purges", async () => {
    const db = testDb("cron-purge-fail");
    const userId = await insertUser(db);
    const scheduledTime = new Date("2020-04-01T00:00:00Z");
    const seeded = await seedRetentionRows(db, userId, scheduledTime.getTime());
    // The job's round trips carry the request id `cron:<job>:<scheduled time>` (cron/index.ts).
    await injectFault({ mode: "error", code: "57P01", request_id: `cron:purge_expired:${scheduledTime.toISOString()}`, times: 1 });

    const log = captureLogs();
    // The handler returns normally (no "uncaught exception" in the runtime): the failure is a log line at error
    // level naming the database's reason without the statement's parameters, and a Sentry event.
    await worker.scheduled({ cron: DAILY, scheduledTime });
    const lines = log.lines().filter((line) => line.outcome === "failure");
    vi.restoreAllMocks();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      action: "cron.purge_expired",
      level: "error",
      cause: "terminating connection due to administrator command",
    });
    expect(JSON.stringify(lines[0])).not.toContain("params");
    const events = await sentryEventsFor(`cron:purge_expired:${scheduledTime.toISOString()}`);
    expect(events[0]?.tags).toMatchObject({ cron_job: "purge_expired" });
    expect(await jobRuns(db, "2020-04-01")).toEqual([]);
    await expectUntouched(db, userId, seeded);

    await worker.scheduled({ cron: DAILY, scheduledTime });
    await expectPurged(db, userId, seeded);
    expect(await jobRuns(db, "2020-04-01")).toHaveLength(1);
  });
});
