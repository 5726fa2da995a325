import type { Bindings } from "../src/env";
import { systemContext } from "../src/services/system-context";
import type { ServiceContext } from "../src/services/context";
import { purgeExpired } from "./jobs/purge-expired";
import { relayOutbox } from "./jobs/relay-outbox";
import { loggableError } from "../src/lib/loggable-error";

export const DAILY = "0 0 * * *";
export const EVERY_MINUTE = "* * * * *";

export interface CronJob {
  name: string;
  run(input: { ctx: ServiceContext; runDate: string }): Promise<Record<string, unknown>>;
}

/**
 * Cron Triggers (ARCHITECTURE "Queues and Cron"). Daily jobs are set-based SQL and idempotent per run date
 * (`job_runs`), so a duplicate or late trigger does nothing twice; minute jobs are idempotent by design.
 * Jobs run one after another and a failing job does not stop the others; a failure is logged and thrown at
 * the end so the platform records the run as failed.
 */
export const cronJobs: Record<string, CronJob[]> = {
  [DAILY]: [purgeExpired],
  [EVERY_MINUTE]: [relayOutbox],
};

export async function handleScheduled(controller: ScheduledController, env: Bindings, execution: ExecutionContext): Promise<void> {
  const jobs = cronJobs[controller.cron];
  if (!jobs) {
    console.log(JSON.stringify({ timestamp: new Date().toISOString(), level: "warn", cron: controller.cron, outcome: "unknown_schedule" }));
    return;
  }
  const scheduled = new Date(controller.scheduledTime);
  const runDate = scheduled.toISOString().slice(0, 10);
  const failures: string[] = [];
  for (const job of jobs) {
    const label = `cron:${job.name}:${scheduled.toISOString()}`;
    const started = performance.now();
    const ctx = systemContext(env, execution, label, job.name, { now: () => new Date() });
    try {
      const details = await job.run({ ctx, runDate });
      logJob(label, job.name, "success", started, ctx.trace.roundTrips, details);
    } catch (error) {
      failures.push(job.name);
      logJob(label, job.name, "failure", started, ctx.trace.roundTrips, loggableError(error));
    }
  }
  if (failures.length > 0) throw new Error(`cron ${controller.cron}: ${failures.join(", ")} failed`);
}

function logJob(label: string, job: string, outcome: string, started: number, roundTrips: number, details: Record<string, unknown>): void {
  console.log(
    JSON.stringify({
      timestamp: new Date().toISOString(),
      level: outcome === "success" ? "info" : "error",
      request_id: label,
      action: `cron.${job}`,
      outcome,
      duration_ms: Math.round(performance.now() - started),
      db_round_trips: roundTrips,
      ...details,
    }),
  );
}
