import { sql } from "drizzle-orm";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DAILY } from "../../../cron";
import { MetricsRecorder } from "../../../src/services/metrics/recorder";
import { testEnv } from "../../support/env";
import { captureLogs } from "../../support/logs";
import { createProbeApp, probe } from "../../support/probe-app";
import { runOnly, worker } from "../../support/scheduled";
import { testDb } from "../platform/database";
import { balanceHolds, grantLot, invariant, ledgerOf, lotsOf, newUser } from "./support";

/**
 * The ledger audit job `credit_drift_audit` (services/credits/drift-audit.ts) through the Worker's real
 * `scheduled` entry, and its gauge `credit_ledger_drift_users` in `GET /metrics` (ops/alerts.yml
 * CreditLedgerDrift). The audit reads EVERY user of the database the suites share, and other files may leave
 * drifting users of their own there (platform/append-only.test.ts writes ledger rows by hand), so these tests
 * assert on their own user and on the gauge being exactly what that run counted; the exact 0 of a clean ledger
 * and 1 for one corrupted user are asserted on an isolated database in test/node/daily-jobs.test.ts.
 */
const TOKEN = "drift-audit-metrics-token";
const app = createProbeApp();

runOnly(DAILY, ["credit_drift_audit"]);

afterEach(() => {
  vi.restoreAllMocks();
});

/** The gauge's value in the exposition (it has no labels), undefined before any audit set it. */
async function driftGauge(): Promise<number | undefined> {
  const response = await probe(app, "/api/v1/metrics", { headers: { Authorization: `Bearer ${TOKEN}` }, env: { METRICS_TOKEN: TOKEN } });
  expect(response.status).toBe(200);
  const text = await response.text();
  expect(text).toContain("# TYPE credit_ledger_drift_users gauge");
  const line = text.split("\n").find((candidate) => candidate.startsWith("credit_ledger_drift_users "));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

interface AuditRun {
  drift_users: number;
  user_ids: unknown[];
}

/** Fires the daily trigger (this file: the audit alone) and returns what the run logged. */
async function audit(scheduledTime = new Date()): Promise<AuditRun> {
  const log = captureLogs({ silent: true });
  await worker.scheduled({ cron: DAILY, scheduledTime });
  const lines = log.lines();
  vi.restoreAllMocks();
  const finished = lines.find((line) => line.action === "cron.credit_drift_audit" && line.message === "cron job finished");
  expect(finished).toMatchObject({ outcome: "success", db_round_trips: 1, drift_users: expect.any(Number) });
  const drift_users = Number(finished?.drift_users);
  const report = lines.find((line) => line.action === "cron.credit_drift_audit" && line.message === "credit invariant drift");
  if (drift_users === 0) expect(report).toBeUndefined();
  else expect(report).toMatchObject({ level: "error", outcome: "drift", drift_users });
  return { drift_users, user_ids: Array.isArray(report?.user_ids) ? report.user_ids : [] };
}

describe("credit_drift_audit (cron 0 0 * * *)", () => {
  it("finds a user whose lot was changed behind the ledger's back, counts them in the gauge, repairs nothing, and stops counting them once repaired", async () => {
    const userId = await newUser();
    const lot = await grantLot(userId, { kind: "purchased", amount: 20 });
    expect(await balanceHolds(userId)).toBe(20);
    const clean = await audit();
    expect(clean.user_ids).not.toContain(userId);
    await expect.poll(driftGauge).toBe(clean.drift_users);

    // The ledger is append-only; the lot is an ordinary row: one credit taken without a ledger entry.
    await testDb("credits").execute(sql`update credit_lots set remaining = remaining - 1 where id = ${lot}`);
    const ledgerBefore = await ledgerOf(userId);
    const drifting = await audit();
    expect(drifting.user_ids).toContain(userId);
    expect(drifting.drift_users).toBeGreaterThanOrEqual(1);
    await expect.poll(driftGauge).toBe(drifting.drift_users);
    // Reported, not repaired.
    expect(await invariant(userId)).toEqual({ lots: 19, last: 20, ledger: 20 });
    expect(await ledgerOf(userId)).toEqual(ledgerBefore);
    expect((await lotsOf(userId)).map((row) => row.remaining)).toEqual([19]);

    // Run twice at once (a duplicated trigger): both runs find the user, the data stays as it was.
    const log = captureLogs({ silent: true });
    const at = new Date();
    await Promise.all([worker.scheduled({ cron: DAILY, scheduledTime: at }), worker.scheduled({ cron: DAILY, scheduledTime: at })]);
    const reports = log.lines().filter((line) => line.action === "cron.credit_drift_audit" && line.message === "credit invariant drift");
    vi.restoreAllMocks();
    expect(reports).toHaveLength(2);
    for (const report of reports) expect(report.user_ids).toContain(userId);
    expect(await invariant(userId)).toEqual({ lots: 19, last: 20, ledger: 20 });

    // A person repairs the lot: the next run no longer counts the user, and the gauge follows that run.
    await testDb("credits").execute(sql`update credit_lots set remaining = remaining + 1 where id = ${lot}`);
    const repaired = await audit();
    expect(repaired.user_ids).not.toContain(userId);
    await expect.poll(driftGauge).toBe(repaired.drift_users);
  });
});

describe("a gauge across isolates", () => {
  it("is the last value written by any isolate, never a sum of isolates or shards", async () => {
    // Each recorder stands for an isolate and picks its own aggregate shard; gauges go to one shard regardless.
    const isolates = Array.from({ length: 6 }, () => new MetricsRecorder());
    for (const [index, recorder] of isolates.entries()) {
      recorder.set("credit_ledger_drift_users", {}, index + 3);
      recorder.set("credit_ledger_drift_users", {}, index + 4);
      await recorder.flush(testEnv);
    }
    expect(await driftGauge()).toBe(9);
    const last = new MetricsRecorder();
    last.set("credit_ledger_drift_users", {}, 0);
    await last.flush(testEnv);
    expect(await driftGauge()).toBe(0);
  });
});
