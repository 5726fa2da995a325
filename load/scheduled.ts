import type pg from "pg";
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

/**
 * What a Cron Trigger set off finishes on the Worker's queues after the trigger's own answer: polls `countSql`
 * (one row, column `n`) every second until it reaches `target` or `deadline` (epoch ms), then waits 3 s more so
 * a duplicate delivery lands before the scenario counts.
 */
export async function waitForCount(client: pg.Client, countSql: string, target: number, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const { rows } = await client.query<{ n: string }>(countSql);
    if (Number(rows[0]?.n ?? 0) >= target) break;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
  }
  await new Promise((resolve) => setTimeout(resolve, 3_000));
}
