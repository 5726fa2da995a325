import { exports } from "cloudflare:workers";
import { afterAll, beforeAll } from "vitest";
import { cronJobs } from "../../cron";

interface ScheduledEntry {
  scheduled(options: { cron: string; scheduledTime: Date }): Promise<unknown>;
}

/**
 * The Worker's real default export as the runtime's `scheduled` event calls it (Sentry wrapper included).
 * The loopback binding has `scheduled()` at runtime; workers-types only declares fetch/connect on Fetcher.
 */
export const worker = exports.default as unknown as ScheduledEntry;

/**
 * For the tests of the calling file: the schedule runs only the named jobs. Daily jobs such as daily_credits
 * act on EVERY user – never on the database the suites share (their own tests use an isolated stack,
 * test/support/dev-stack.ts). The cron table is the module's in this isolate, so this is file-local.
 */
export function runOnly(cron: string, names: readonly string[]): void {
  const all = cronJobs[cron] ?? [];
  beforeAll(() => {
    cronJobs[cron] = all.filter((job) => names.includes(job.name));
  });
  afterAll(() => {
    cronJobs[cron] = all;
  });
}
