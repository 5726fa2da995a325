import * as Sentry from "@sentry/cloudflare";
import type { Bindings } from "../src/env";
import { fixedClock } from "../src/lib/clock";
import { createLogger } from "../src/lib/logger";
import { calculateStreaks } from "../src/services/achievements/streak-job";
import { runDailyCredits } from "../src/services/credits/daily";
import { auditCreditLedger } from "../src/services/credits/drift-audit";
import { runSubscriptionCheck } from "../src/services/billing/check-job";
import { metrics } from "../src/services/metrics/recorder";
import { purgeExpired } from "../src/services/maintenance/purge-expired";
import { abandonOverdueFocusSessions } from "../src/services/focus/sweep";
import { relayOutbox } from "../src/services/outbox/relay";
import { sweepRecurring } from "../src/services/recurring/sweep";
import { sweepReminders } from "../src/services/reminders/schedule";
import { systemContext } from "../src/services/system-context";
import { expireSuggestions } from "../src/services/ai/suggestions/expire";
import type { CronJob } from "./job";

export const DAILY = "0 0 * * *";
export const EVERY_MINUTE = "* * * * *";

/**
 * Deadline of one database round trip of a cron job. A daily job is one set-based statement over every user
 * (100,000 users: ~14 s on the bench machine, load/README.md), far past a request's DATABASE_TIMEOUT_MS; a
 * Cron Trigger on a daily schedule may run for 15 minutes.
 */
export const JOB_DATABASE_TIMEOUT_MS = 5 * 60_000;

/**
 * Cron Triggers (docs/operations.md "Scheduled jobs"): each job is a service call. Daily jobs are set-based
 * SQL and idempotent per run date (`job_runs`), so a duplicate or late trigger does nothing twice; minute
 * jobs are idempotent by design. Every job runs as of its trigger's scheduled time (its context's clock), so
 * a trigger replayed for a past instant acts as of that instant. Jobs run one after another and a failing
 * job does not stop the others. A failure is logged at error level and reported to Sentry with the job's
 * label; the handler itself returns normally – Cron Triggers do not retry, so a thrown error would only add
 * an "uncaught exception" to the runtime's log – and a failed daily job records no `job_runs` row, so the
 * next trigger for that date runs it again.
 */
export const cronJobs: Record<string, CronJob[]> = {
  [DAILY]: [
    { name: "streak_calculate", run: ({ ctx, runDate }) => calculateStreaks({ ctx, input: { runDate } }) },
    // Before daily_credits: a subscription that ends today takes its Pro daily grant with it.
    { name: "subscription_check", run: ({ ctx, runDate }) => runSubscriptionCheck({ ctx, input: { runDate } }) },
    { name: "daily_credits", run: ({ ctx, runDate }) => runDailyCredits({ ctx, input: { runDate } }) },
    // After daily_credits, so it audits the day's expiry and grants; read-only, runs on every trigger.
    { name: "credit_drift_audit", run: ({ ctx }) => auditCreditLedger({ ctx }) },
    { name: "purge_expired", run: ({ ctx, runDate }) => purgeExpired({ ctx, input: { runDate } }) },
  ],
  [EVERY_MINUTE]: [
    { name: "relay_outbox", run: ({ ctx }) => relayOutbox({ ctx }) },
    { name: "abandon_focus_sessions", run: ({ ctx }) => abandonOverdueFocusSessions({ ctx }) },
    { name: "recurring_sweep", run: ({ ctx }) => sweepRecurring({ ctx }) },
    { name: "reminders_sweep", run: ({ ctx }) => sweepReminders({ ctx }) },
    { name: "expire_ai_suggestions", run: ({ ctx }) => expireSuggestions({ ctx }) },
  ],
};

export async function handleScheduled(controller: ScheduledController, env: Bindings, execution: ExecutionContext): Promise<void> {
  const scheduled = new Date(controller.scheduledTime);
  const jobs = cronJobs[controller.cron];
  if (!jobs) {
    createLogger(`cron:${scheduled.toISOString()}`).warn("no jobs for this schedule", { cron: controller.cron, outcome: "unknown_schedule" });
    return;
  }
  const runDate = scheduled.toISOString().slice(0, 10);
  for (const job of jobs) {
    const label = `cron:${job.name}:${scheduled.toISOString()}`;
    const started = performance.now();
    const ctx = systemContext(env, execution, label, job.name, {
      clock: fixedClock(scheduled),
      log: { action: `cron.${job.name}` },
      databaseTimeoutMs: JOB_DATABASE_TIMEOUT_MS,
    });
    try {
      const details = await job.run({ ctx, runDate });
      ctx.log.info("cron job finished", { outcome: "success", duration_ms: elapsed(started), db_round_trips: ctx.trace.roundTrips, ...details });
      metrics.count("cron_job_runs_total", { job: job.name, outcome: "success" });
    } catch (error) {
      metrics.count("cron_job_runs_total", { job: job.name, outcome: "failure" });
      ctx.log.error("cron job failed", { outcome: "failure", duration_ms: elapsed(started), db_round_trips: ctx.trace.roundTrips, error });
      Sentry.withScope((scope) => {
        scope.setTag("request_id", label);
        scope.setTag("cron_job", job.name);
        Sentry.captureException(error);
      });
    }
  }
  metrics.scheduleFlush(env, (promise) => execution.waitUntil(promise));
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
