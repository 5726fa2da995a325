import type { ServiceContext } from "../src/services/context";

/**
 * A Cron Trigger job: a service call with the job's context (clock = the trigger's scheduled time, logger,
 * database trace labelled `cron:<job>:<scheduled time>`). Returns what its log line reports.
 */
export interface CronJob {
  name: string;
  run(input: { ctx: ServiceContext; runDate: string }): Promise<Record<string, unknown>>;
}
