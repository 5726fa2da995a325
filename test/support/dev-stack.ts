/**
 * An isolated dev-style stack for Node-side tests (test/node/): its own throw-away PostgreSQL, the local Neon
 * endpoint and `wrangler dev` – the same stack `npm run bench` uses (load/stack.ts startBenchStack) – so a test
 * can act on ALL users (the daily cron jobs do) without touching the database the workerd suites share.
 *
 * What a test gets: SQL against the stack's database (seed, corrupt, inspect), the API with Worker-signed
 * access tokens, Cron Triggers fired at a chosen instant through the local runtime's
 * `GET /cdn-cgi/local/scheduled?cron=…&time=<epoch ms>` (as `wrangler dev` offers it), every line the Worker
 * and wrangler printed (the Worker's JSON log lines parsed), and the database round trips per request id.
 *
 * ```ts
 * const stack = await startDevStack();            // in beforeAll (allow ~2 minutes: wrangler compiles)
 * await stack.sql("update users set tier = 'pro' where id = $1", [userId]);
 * await stack.triggerCron("0 0 * * *", new Date("2030-01-02T00:00:00Z"));
 * const lines = stack.logLines().filter((line) => line.action === "cron.daily_credits");
 * await stack.stop();                             // in afterAll
 * ```
 */
import { fileURLToPath } from "node:url";
import pg from "pg";
import type { Shutdown } from "../../scripts/dev/shutdown.ts";
import type { Vars } from "../../scripts/lib/dev-vars.ts";
import { benchAccessToken } from "../../load/seed-users.ts";
import type { BenchStack } from "../../load/scenario.ts";
import { startBenchStack, totalRoundTrips } from "../../load/stack.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface DevStack {
  /** The stack's parts as the bench sees them (URLs, signing key, variables). */
  readonly bench: BenchStack;
  /** The Worker's origin, e.g. http://127.0.0.1:PORT (API under /api/v1). */
  readonly origin: string;
  /** A query against the stack's database (node-postgres, parameters as $1, $2, …). */
  sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  /** `fetch` against the Worker; `path` starts with `/`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  /** A Worker-signed access token for a user of the stack's database (valid an hour). */
  accessToken(userId: string, tier?: "free" | "pro"): Promise<string>;
  /**
   * Fires a Cron Trigger as the local runtime does for `cron` with scheduled time `at`, and waits for the
   * handler to finish. Resolves with the runtime's answer (status 200 once the handler ran).
   */
  triggerCron(cron: string, at: Date): Promise<Response>;
  /** Every line wrangler (and the Worker through it) printed so far. */
  lines(): string[];
  /** The Worker's JSON log lines so far (docs: one per request or cron job, plus error lines). */
  logLines(): Record<string, unknown>[];
  /** Waits until a JSON log line matches (the runtime's output may trail its HTTP answer a little). */
  waitForLog(match: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** Database round trips made under a request id (a cron job's is `cron:<job>:<scheduled time ISO>`). */
  roundTrips(requestId: string): Promise<number>;
  /** Round trips the endpoint served in all. */
  totalRoundTrips(): Promise<number>;
  /** Stops the Worker, the endpoint and the database and deletes their state. Idempotent. */
  stop(): Promise<void>;
}

/** A Shutdown for startBenchStack that stops in reverse order without exiting the process (unlike the CLI's). */
function collectingShutdown(): { shutdown: Shutdown; stopAll(): Promise<void> } {
  const steps: { name: string; stop: () => Promise<void> }[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      for (const step of steps.reverse()) {
        await step.stop().catch((error: unknown) => console.warn(`dev stack: stopping ${step.name} failed`, error));
      }
    })());
  return {
    shutdown: {
      defer: (name, stop) => steps.push({ name, stop }),
      run: async () => {
        await stopAll();
        throw new Error("dev stack stopped");
      },
      get started() {
        return stopping !== undefined;
      },
    },
    stopAll,
  };
}

/** Terminal colours: wrangler paints `console.error` output as `✘ [ERROR] {…}` in red. */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, "g");

/** The JSON object a line carries, if any (wrangler prefixes and colours the Worker's error output). */
function jsonOf(raw: string): Record<string, unknown> | undefined {
  const line = raw.replace(ANSI, "");
  const start = line.indexOf("{");
  const end = line.lastIndexOf("}");
  if (start < 0 || end < start) return undefined;
  try {
    const value: unknown = JSON.parse(line.slice(start, end + 1));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? Object.fromEntries(Object.entries(value)) : undefined;
  } catch {
    return undefined;
  }
}

export async function startDevStack(options: { vars?: Vars } = {}): Promise<DevStack> {
  const { shutdown, stopAll } = collectingShutdown();
  const output: string[] = [];
  let bench: BenchStack;
  try {
    bench = await startBenchStack({
      root: ROOT,
      scenarioVars: { RATE_LIMIT_GENERAL: "100000", ...options.vars },
      shutdown,
      log: () => undefined,
      // With a trace, wrangler keeps the Worker's console output (its JSON log lines): collect every line.
      trace: (line) => output.push(line),
    });
  } catch (error) {
    await stopAll();
    throw error;
  }
  const pool = new pg.Pool({ connectionString: bench.databaseUrl, max: 4 });
  shutdown.defer("dev stack pg pool", () => pool.end());

  const logLines = () =>
    output.flatMap((line): Record<string, unknown>[] => {
      const parsed = jsonOf(line);
      return parsed === undefined ? [] : [parsed];
    });
  return {
    bench,
    origin: bench.baseUrl,
    async sql<R extends Record<string, unknown>>(text: string, params: unknown[] = []) {
      return (await pool.query<R>(text, params)).rows;
    },
    fetch: (path, init) => fetch(`${bench.baseUrl}${path}`, init),
    accessToken: (userId, tier = "free") => benchAccessToken(bench, userId, tier),
    triggerCron: (cron, at) => fetch(`${bench.baseUrl}/cdn-cgi/local/scheduled?cron=${encodeURIComponent(cron)}&time=${at.getTime()}`),
    lines: () => [...output],
    logLines,
    async waitForLog(match, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = logLines().find(match);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching log line within ${timeoutMs} ms; last output:\n${output.slice(-15).join("\n")}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async roundTrips(requestId) {
      const response = await fetch(`${bench.neonOrigin}/_control/round-trips?request_id=${encodeURIComponent(requestId)}`);
      const body: unknown = await response.json();
      const count = typeof body === "object" && body !== null && "round_trips" in body ? body.round_trips : undefined;
      if (typeof count !== "number") throw new Error(`unexpected round-trips answer ${JSON.stringify(body)}`);
      return count;
    },
    totalRoundTrips: () => totalRoundTrips(bench.neonOrigin),
    stop: stopAll,
  };
}
