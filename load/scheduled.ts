import type { BenchStack } from "./scenario.ts";

/**
 * Fires one Cron Trigger of the bench Worker through wrangler dev's `/cdn-cgi/local/scheduled`, as of `at`
 * (the scheduled time the handler sees). The local runtime answers once the handler has finished, so the
 * wall time is the run of every job on that schedule.
 */
export async function fireScheduled(stack: BenchStack, cron: string, at: number = Date.now()): Promise<{ status: number; wallMs: number }> {
  const started = performance.now();
  const response = await fetch(`${stack.baseUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(cron)}&time=${at}`);
  await response.text();
  return { status: response.status, wallMs: performance.now() - started };
}
