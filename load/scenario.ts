import type autocannon from "autocannon";
import type { DevSigningKey } from "../scripts/dev/jwt-key.ts";
import type { Vars } from "../scripts/lib/dev-vars.ts";
import type { RunFigures } from "./measure.ts";

/**
 * What a load scenario (load/scenarios/<name>.ts, default export) provides. The runner owns the stack, the
 * warm-up, the clock and the figures; a scenario only says what traffic to send and which answers are
 * part of its contract.
 */
export interface Scenario {
  /** Equals the file name: `npm run bench -- <name>`. */
  name: string;
  /** One line for the report and the usage text. */
  description: string;
  /**
   * Overridden by `--duration` / `--connections` / `--warmup`. `checkSeconds`: how long the plan's `check`
   * may take (added to the watchdog's budget).
   */
  defaults: { durationSeconds: number; connections: number; warmupSeconds?: number; checkSeconds?: number };
  /** Worker variables on top of the bench configuration, e.g. generous rate limits for a CRUD mix. */
  vars?: Vars;
  /**
   * Non-2xx statuses the scenario provokes on purpose (429 in a rate-limit scenario, 409 for a
   * version conflict, 402 when credits run out). Anything else that is not 2xx counts as unexpected.
   */
  expectedStatuses?: readonly number[];
  /**
   * A second Worker to compare against in the same run: `script` (relative to the project root) runs in its
   * own `wrangler dev` with the same variables, database and Neon endpoint, and the runner measures both
   * sides in alternation (load/compare.ts) and reports the ratios. `label` names that side in the report.
   */
  baseline?: { label: string; script: string };
  /** Seeds what the traffic needs (users, tokens, tasks) and returns the requests to send. */
  setup?(stack: BenchStack): Promise<ScenarioPlan>;
  /**
   * A scenario that is not HTTP load (e.g. `daily-jobs`: seed N users, fire a Cron Trigger, time it) measures
   * itself instead of `setup`: the runner starts the stack, calls this, and prints its report. `defaults`
   * then only bound the run's time (the watchdog allows start-up + warm-up + duration).
   */
  measure?(stack: BenchStack, context: MeasureContext): Promise<MeasuredRun>;
  /**
   * Numeric command-line options of a self-measuring scenario (`npm run bench -- floor --rtt 25`): name →
   * default and one line of help. The runner validates them (non-negative integers) and hands them to `measure`.
   */
  options?: Readonly<Record<string, ScenarioOption>>;
}

export interface ScenarioOption {
  default: number;
  description: string;
}

export interface MeasureContext {
  log: (line: string) => void;
  /** Every option the scenario declares: the command line's value or the default. */
  options: Readonly<Record<string, number>>;
}

/** What a self-measuring scenario reports. */
export interface MeasuredRun {
  /** Human-readable figures (a table). */
  report: string;
  /** The same figures for `--json`. */
  figures: unknown;
  /** false when anything unexpected happened (exit code 1). */
  clean: boolean;
}

/**
 * The traffic of one run. Each connection cycles through `requests` in order; a request's `setupRequest`
 * runs before every send and may rewrite headers, path or body – the place for per-request values such
 * as an `Idempotency-Key` or a per-connection bearer token. autocannon's per-connection `context` object
 * (second argument) survives across the sequence, e.g. `context.token ??= tokens[next++ % tokens.length]`
 * gives every connection its own user, and `onResponse` can store an id for the next request.
 */
export interface ScenarioPlan {
  requests: autocannon.Request[];
  /** Further autocannon options (default headers, `overallRate`, `timeout` …); the runner sets the rest. */
  options?: Omit<autocannon.Options, "url" | "duration" | "connections" | "requests" | "amount">;
  /**
   * Checks beyond the HTTP figures, run right after the measured run against the still running stack (every
   * expected SSE frame arrived, no metric label carries an id – load/metrics-labels.ts): printed under the
   * figures, and one that fails makes the run unclean (exit code 1). `run` is the measured run's figures.
   */
  check?(run: RunFigures): Promise<RunCheck[]>;
  /** Runs after the measurement, before the stack stops (the database is thrown away anyway). */
  teardown?(): Promise<void>;
}

/** One named check of a run: `lines` say what was found (a violation names itself), `figures` go into `--json`. */
export interface RunCheck {
  name: string;
  ok: boolean;
  lines: string[];
  figures?: unknown;
}

/** The running local stack a scenario works against; everything listens on 127.0.0.1. */
export interface BenchStack {
  /** The Worker (`wrangler dev`), e.g. http://127.0.0.1:PORT; API routes live under /api/v1. */
  baseUrl: string;
  /**
   * wrangler dev's DevTools endpoint of the Worker at `baseUrl`, e.g. http://127.0.0.1:PORT: `/json` lists its
   * one target, whose WebSocket speaks the Chrome DevTools Protocol (the `profile` scenario records CPU with it).
   */
  inspectorOrigin: string;
  /** The scenario's `baseline` Worker, when it has one: same variables, database and signing key. */
  baselineUrl?: string;
  /** The throw-away PostgreSQL, for seeding rows directly with `pg`. */
  databaseUrl: string;
  /** Origin of the local Neon endpoint (`/_control/*`: round trips, fault injection). */
  neonOrigin: string;
  /** The Worker's signing key and claims, to mint access tokens for seeded users with `jose`. */
  jwt: DevSigningKey & { issuer: string; audience: string };
  /** The variables the Worker runs with (bench defaults + the scenario's `vars`). */
  vars: Vars;
  /** The bearer of `GET /api/v1/metrics` (`METRICS_TOKEN`, fresh for every run; load/metrics-labels.ts scrapes with it). */
  metricsToken: string;
  /**
   * The fake Google issuer the Worker trusts (test/fakes/node/google-issuer.ts): mint ID tokens with
   * `POST {issuerOrigin}/_control/default/mint` `{claims}` → `{id_token}`.
   */
  google: { issuerOrigin: string; clientId: string };
}

/** Identity function that gives scenario files type checking and inference. */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}
