import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { delimiter, join } from "node:path";
import { createInterface } from "node:readline";
import { encodeEnvFile, type Vars } from "./dev-vars.ts";

/**
 * `wrangler dev` as a child process for `npm run dev` and `npm run bench`.
 *
 * Variables reach the Worker through a generated `--env-file` (see dev-vars.ts): with that flag wrangler
 * reads neither `.dev.vars` nor `.env`, so the caller's merged configuration is exactly what the Worker
 * sees, and it overrides `[vars]` from wrangler.toml. The file lives under `.wrangler/` (git-ignored),
 * mode 0600 because it may hold the signing key, and is deleted on stop.
 *
 * Each stack has its own dev registry (`registryPath`): wrangler's default, `~/.config/.wrangler/registry`,
 * is shared by every `wrangler dev` of the machine, and a Worker with queues watches it – so a bench (or a
 * second checkout) registering the same Worker name made the running `npm run dev` reload and could route
 * its queue messages to the other stack. `WRANGLER_REGISTRY_PATH` is what wrangler reads;
 * `CLOUDFLARE_DEV_REGISTRY_PATH` overrides it inside miniflare, so both are set.
 *
 * Wrangler runs in its own process group: a Ctrl-C in the terminal reaches only the parent, which then
 * stops wrangler *and* its workerd children as a group, in a known order (Worker first, database last).
 */
export interface WranglerDevOptions {
  /** Project root: wrangler's working directory (wrangler.toml, node_modules/.bin). */
  root: string;
  /** Entry script relative to `root`, instead of wrangler.toml's `main` (same bindings and configuration). */
  script?: string;
  port: number;
  vars: Vars;
  /** This stack's own dev registry directory (see above); created when missing. */
  registryPath: string;
  /** Local state (Durable Objects, Queues); wrangler's default is `.wrangler/state`. */
  persistTo?: string;
  /** Devtools port; wrangler picks 9229 (or a free one) when absent. */
  inspectorPort?: number;
  /** wrangler's `--log-level`; below "log" it also hides the Worker's console output. */
  logLevel?: "debug" | "info" | "log" | "warn" | "error" | "none";
  /** Every line wrangler prints (stdout and stderr), as it arrives. */
  onLine?: (line: string) => void;
}

export interface WranglerDev {
  /** http://127.0.0.1:PORT */
  origin: string;
  pid: number;
  /** Settles when wrangler exits, with its exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Polls `path` until it answers `status`; rejects on timeout or if wrangler exits first. */
  waitUntilReady(path: string, options?: { timeoutMs?: number; status?: number }): Promise<void>;
  /** SIGTERM to the process group, SIGKILL after `graceMs` (default 5 s). Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

/** node_modules/.bin first on PATH: it holds wrangler and the Node 22 binary wrangler needs (ARCHITECTURE). */
function pathWithLocalBin(root: string, path: string | undefined): string {
  const bin = join(root, "node_modules", ".bin");
  const current = path ?? "";
  return current.split(delimiter)[0] === bin ? current : `${bin}${delimiter}${current}`;
}

function writeVarsFile(root: string, port: number, vars: Vars): string {
  const dir = join(root, ".wrangler", "dev-vars");
  mkdirSync(dir, { recursive: true });
  // Per process and port: one process may run several wranglers, and each deletes its own file on exit.
  const file = join(dir, `merged-${process.pid}-${port}.env`);
  writeFileSync(file, encodeEnvFile(vars), { mode: 0o600 });
  chmodSync(file, 0o600); // writeFileSync keeps the mode of an existing file
  return file;
}

/** The environment of the wrangler child: local bin first, no telemetry, and the stack's own dev registry. */
export function wranglerEnvironment(root: string, registryPath: string, inherited: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...inherited,
    PATH: pathWithLocalBin(root, inherited.PATH),
    // Local development reports nothing to Cloudflare (usage metrics, crash reports); no banner.
    WRANGLER_SEND_METRICS: "false",
    WRANGLER_SEND_ERROR_REPORTS: "false",
    WRANGLER_HIDE_BANNER: "true",
    WRANGLER_REGISTRY_PATH: registryPath,
    CLOUDFLARE_DEV_REGISTRY_PATH: registryPath,
  };
}

export function startWranglerDev(options: WranglerDevOptions): WranglerDev {
  mkdirSync(options.registryPath, { recursive: true });
  const varsFile = writeVarsFile(options.root, options.port, options.vars);
  const args = [
    "dev",
    ...(options.script === undefined ? [] : [options.script]),
    "--ip", "127.0.0.1",
    "--port", String(options.port),
    "--env-file", varsFile,
    "--show-interactive-dev-session=false",
  ];
  if (options.persistTo !== undefined) args.push("--persist-to", options.persistTo);
  if (options.logLevel !== undefined) args.push("--log-level", options.logLevel);
  if (options.inspectorPort !== undefined) args.push("--inspector-port", String(options.inspectorPort));

  const child = spawn(join(options.root, "node_modules", ".bin", "wrangler"), args, {
    cwd: options.root,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: wranglerEnvironment(options.root, options.registryPath),
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error("could not start wrangler (spawn failed)");

  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on("line", (line) => options.onLine?.(line));
  }

  const exited = new Promise<number | null>((resolve) => {
    child.once("exit", (code) => {
      rmSync(varsFile, { force: true });
      resolve(code);
    });
  });
  let running = true;
  void exited.then(() => {
    running = false;
  });

  // Last resort if the parent dies without running its shutdown (uncaught error, process.exit elsewhere).
  const killOnExit = () => {
    if (running) signalGroup(pid, "SIGKILL");
  };
  process.once("exit", killOnExit);

  const origin = `http://127.0.0.1:${options.port}`;
  let stopping: Promise<void> | undefined;

  return {
    origin,
    pid,
    exited,
    waitUntilReady: (path, readyOptions = {}) =>
      waitForStatus(`${origin}${path}`, readyOptions.status ?? 200, readyOptions.timeoutMs ?? 60_000, exited),
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        if (running) {
          signalGroup(pid, "SIGTERM");
          const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
          await exited;
          clearTimeout(timer);
        }
        process.off("exit", killOnExit);
      })();
      return stopping;
    },
  };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

async function waitForStatus(
  url: string,
  status: number,
  timeoutMs: number,
  exited: Promise<number | null>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  let last = "no answer yet";
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`wrangler exited (code ${String(exitCode)}) before ${url} was ready`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
      await response.arrayBuffer();
      if (response.status === status) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${url} did not answer ${status} within ${Math.round(timeoutMs / 1000)} s (last: ${last})`);
}
