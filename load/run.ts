/**
 * `npm run bench -- <scenario> [--duration S] [--connections N] [--warmup S] [--json] [--verbose] [--<scenario option> N]`
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
const runnerOptions = {
  duration: { type: "string" },
  connections: { type: "string" },
  warmup: { type: "string" },
  json: { type: "boolean", default: false },
  verbose: { type: "boolean", default: false },
} as const;
const { runnerArgs, scenarioArgs } = splitArgs(process.argv.slice(2));
const { values: flags, positionals } = parseArgs({ args: runnerArgs, allowPositionals: true, options: runnerOptions });
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
  const scenarioOptions = resolveScenarioOptions(scenario, scenarioArgs);

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
    const measured = await scenario.measure(stack, { log, options: scenarioOptions });
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

/**
 * A scenario's own options (`--rtt 25`) are known only once the scenario is loaded, after the runner's flags
 * were parsed: every `--name value` / `--name=value` that is not the runner's goes to the scenario, which
 * `resolveScenarioOptions` then checks against what it declares.
 */
function splitArgs(args: readonly string[]): { runnerArgs: string[]; scenarioArgs: Map<string, string | undefined> } {
  const runnerArgs: string[] = [];
  const scenarioArgs = new Map<string, string | undefined>();
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] ?? "";
    const [name = "", inline] = arg.startsWith("--") ? arg.slice(2).split(/=(.*)/s, 2) : [];
    if (name === "" || Object.hasOwn(runnerOptions, name)) {
      runnerArgs.push(arg);
    } else if (inline !== undefined) {
      scenarioArgs.set(name, inline);
    } else {
      const value = args[index + 1];
      const hasValue = value !== undefined && !value.startsWith("--");
      scenarioArgs.set(name, hasValue ? value : undefined);
      if (hasValue) index += 1;
    }
  }
  return { runnerArgs, scenarioArgs };
}

function resolveScenarioOptions(scenario: Scenario, given: ReadonlyMap<string, string | undefined>): Record<string, number> {
  const declared = scenario.options ?? {};
  for (const name of given.keys()) {
    if (!Object.hasOwn(declared, name)) {
      const known = Object.entries(declared).map(([option, { description }]) => `--${option} (${description})`);
      throw new Error(`unknown option --${name} for ${scenario.name}${known.length ? `; it takes ${known.join(", ")}` : ""}`);
    }
  }
  return Object.fromEntries(
    Object.entries(declared).map(([name, option]) => {
      const raw = given.get(name);
      if (given.has(name) && raw === undefined) throw new Error(`--${name} needs a value`);
      return [name, positiveInteger(name, raw, option.default, true)];
    }),
  );
}

function positiveInteger(flag: string, raw: string | undefined, fallback: number, allowZero = false): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) {
    throw new Error(`--${flag} must be a ${allowZero ? "non-negative" : "positive"} integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}
