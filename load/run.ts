/**
 * `npm run bench -- <scenario> [--duration S] [--connections N] [--warmup S] [--json] [--verbose]`
 *
 * Starts the local stack on real PostgreSQL (load/stack.ts), lets the scenario seed what it needs, warms
 * up, measures with autocannon and prints requests/s, p50/p95/p99 latency, errors (non-2xx split into the
 * scenario's expected and unexpected statuses) and database round trips per request. Everything listens
 * on 127.0.0.1; a watchdog bounds the whole run. Exit code 0 only for a clean run (see README.md). A
 * scenario with a `baseline` runs a second Worker and is measured as a comparison (load/compare.ts).
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { installShutdown } from "../scripts/dev/shutdown.ts";
import { renderComparison, runComparison } from "./compare.ts";
import { runLoad } from "./measure.ts";
import { renderSummary, summarise } from "./report.ts";
import type { Scenario } from "./scenario.ts";
import { startBenchStack, totalRoundTrips } from "./stack.ts";

const here = fileURLToPath(new URL(".", import.meta.url));
const root = join(here, "..");
const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    duration: { type: "string" },
    connections: { type: "string" },
    warmup: { type: "string" },
    json: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
// With --json, stdout carries the summary only; progress goes to stderr.
const log = (line: string) => (flags.json ? console.error(line) : console.log(line));
const shutdown = installShutdown(log);

try {
  await main();
  await shutdown.run(process.exitCode === undefined ? 0 : Number(process.exitCode));
} catch (error) {
  console.error(`bench failed: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown.run(2);
}

async function main(): Promise<void> {
  const scenario = await loadScenario(positionals[0]);
  const durationSeconds = positiveInteger("duration", flags.duration, scenario.defaults.durationSeconds);
  const connections = positiveInteger("connections", flags.connections, scenario.defaults.connections);
  const warmupSeconds = positiveInteger("warmup", flags.warmup, scenario.defaults.warmupSeconds ?? 3, true);

  // Start-up (≤ 90 s for wrangler) + warm-up + run + autocannon's 10 s request timeout, with slack; a
  // comparison warms up and measures both Workers and settles after each of its ≤ 10 segments; a plan's
  // checks after the run get the scenario's `checkSeconds`.
  const sides = scenario.baseline ? 2 : 1;
  const budgetSeconds = 150 + sides * (warmupSeconds + durationSeconds) + (scenario.baseline ? 10 : 0) + (scenario.defaults.checkSeconds ?? 0);
  setTimeout(() => {
    console.error(`bench exceeded its ${budgetSeconds} s budget; stopping`);
    void shutdown.run(2);
  }, budgetSeconds * 1000).unref();

  const stack = await startBenchStack({
    root,
    scenarioVars: scenario.vars,
    shutdown,
    log,
    ...(flags.verbose ? { trace: log } : {}),
    ...(scenario.baseline ? { baselineScript: scenario.baseline.script } : {}),
  });
  if (scenario.measure) {
    const measured = await scenario.measure(stack, { log });
    if (flags.json) console.log(JSON.stringify(measured.figures, null, 2));
    else log(`\n${measured.report}`);
    if (!measured.clean) process.exitCode = 1;
    return;
  }
  if (!scenario.setup) throw new Error(`scenario ${scenario.name} has neither setup nor measure`);
  const plan = await scenario.setup(stack);
  if (plan.teardown) shutdown.defer(`${scenario.name} teardown`, plan.teardown);

  if (scenario.baseline && stack.baselineUrl !== undefined) {
    const compared = await runComparison({
      scenario: { ...scenario, baseline: scenario.baseline },
      plan,
      baseUrl: stack.baseUrl,
      baselineUrl: stack.baselineUrl,
      neonOrigin: stack.neonOrigin,
      durationSeconds,
      connections,
      warmupSeconds,
      settle,
      log,
    });
    if (flags.json) console.log(JSON.stringify(compared, null, 2));
    else log(`\n${renderComparison(compared)}`);
    if (!compared.clean) process.exitCode = 1;
    return;
  }

  if (warmupSeconds > 0) {
    log(`warming up ${warmupSeconds} s…`);
    await runLoad({ baseUrl: stack.baseUrl, plan, durationSeconds: warmupSeconds, connections });
    await settle();
  }
  log(`running ${scenario.name}: ${durationSeconds} s × ${connections} connections…`);
  const before = await totalRoundTrips(stack.neonOrigin);
  const figures = await runLoad({ baseUrl: stack.baseUrl, plan, durationSeconds, connections });
  await settle();
  const roundTrips = (await totalRoundTrips(stack.neonOrigin)) - before;
  const checks = plan.check ? await plan.check(figures) : [];

  const summary = summarise({ scenario, figures, warmupSeconds, roundTrips, checks });
  if (flags.json) console.log(JSON.stringify(summary, null, 2));
  else log(`\n${renderSummary(summary)}`);
  if (!summary.clean) process.exitCode = 1;
}

/**
 * autocannon drops the connections of requests still in flight when its time is up, but the Worker
 * finishes them, queries included. Waiting lets those queries land in the run they belong to: warm-up
 * leftovers before the "before" count, the measured run's own before the "after" count.
 */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}

function availableScenarios(): string[] {
  return readdirSync(join(here, "scenarios"))
    .filter((file) => file.endsWith(".ts"))
    .map((file) => file.slice(0, -3))
    .sort();
}

async function loadScenario(name: string | undefined): Promise<Scenario> {
  const names = availableScenarios();
  if (name === undefined || !names.includes(name)) {
    throw new Error(
      `${name === undefined ? "no scenario given" : `unknown scenario ${JSON.stringify(name)}`}; ` +
        `usage: npm run bench -- <${names.join("|")}> [--duration S] [--connections N] [--warmup S] [--json] [--verbose]`,
    );
  }
  const module = (await import(`./scenarios/${name}.ts`)) as { default?: Scenario };
  const scenario = module.default;
  if (scenario?.name !== name || (typeof scenario.setup !== "function" && typeof scenario.measure !== "function")) {
    throw new Error(`load/scenarios/${name}.ts must default-export defineScenario({ name: "${name}", … })`);
  }
  return scenario;
}

function positiveInteger(flag: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new Error(`--${flag} must be a ${allowZero ? "non-negative" : "positive"} integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}
