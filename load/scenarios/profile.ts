import { mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { operations, prepareReader, UserApi, type Operation } from "../floor/operations.ts";
import { attribute, readBundleMap } from "../profile/attribution.ts";
import { DevToolsSession, startProfiler, stopProfiler, type CpuProfile } from "../profile/devtools.ts";
import { cpuBetween, snapshotCpu } from "../profile/process-cpu.ts";
import { renderProfile, summariseOperation, type EndpointTiming, type OperationFigures, type Timed } from "../profile/report.ts";
import { defineScenario } from "../scenario.ts";
import { seedUsersWithTokens } from "../seed-users.ts";
import { SequentialClient, type SentRequest } from "../sequential-client.ts";
import { requestTiming } from "../stack.ts";

/**
 * Issue 17: where a warm request's fixed cost goes (load/README.md "### profile"). Per operation, one connection,
 * one request at a time, no injected delay:
 *
 * - preparation (untimed, before anything is measured): `--warmup` + 2 × `--requests` requests, each with the
 *   state it consumes (floor's `prepare`, load/floor/operations.ts: a fresh task to PATCH, a new Idempotency-Key,
 *   the version as If-Match), so neither pass sends anything but the measured operation;
 * - warm-up: `--warmup` requests;
 * - pass 1, no DevTools session of ours: wall clock per request (request written → last byte), the CPU of every
 *   process of the stack (/proc) and the local Neon endpoint's own time per request id (`/_control/round-trips`);
 * - pass 2, a DevTools session attached (Chrome DevTools Protocol over wrangler dev's inspector,
 *   `stack.inspectorOrigin`), no profiler: the Worker's request log `duration_ms`, which arrives over it as
 *   `Runtime.consoleAPICalled`, and the wall clock with a session attached;
 * - pass 3: the same number of requests while the Worker's V8 profiler samples every `--interval` µs; the profile is
 *   attributed to our files and to packages through the bundle's module comments (load/profile/attribution.ts)
 *   and written to .wrangler/bench-profile/ for DevTools.
 */
const root = fileURLToPath(new URL("../..", import.meta.url));

/** The platform: no database, no authentication, no rate limit. */
const PLATFORM: Operation = { name: "GET /health/live", kind: "read", prepare: async () => ({ method: "GET", path: "/api/v1/health/live" }) };
const PROFILED = ["GET /users/me", "GET /tasks/{id}", "POST /tasks", "PATCH /tasks/{id}"];
/** A sampling gap longer than this is time the isolate was not running JS (attribution.ts). */
const GAP_MICROS = 1_000;

const consoleCall = z.object({ args: z.array(z.object({ value: z.unknown().optional() })) });
const requestLogLine = z.object({ request_id: z.string(), duration_ms: z.number() });

export default defineScenario({
  name: "profile",
  description: "where a warm request's time goes: Worker CPU profile by file and package, endpoint time, the rest (one connection)",
  defaults: { durationSeconds: 600, connections: 1, warmupSeconds: 0 },
  // Lifted so that 400+ requests of one user are neither rate limited nor refused for the free tier's task cap.
  vars: { RATE_LIMIT_GENERAL: "1000000", FREE_MAX_TASKS: "1000000" },
  options: {
    requests: { default: 200, description: "requests per operation and pass" },
    warmup: { default: 20, description: "warm-up requests per operation" },
    interval: { default: 100, description: "profiler sampling interval, µs" },
  },
  async measure(stack, { log, options }) {
    const requests = options.requests ?? 200;
    const warmup = options.warmup ?? 20;
    const interval = options.interval ?? 100;
    if (requests < 1 || interval < 1) throw new Error("--requests and --interval must be at least 1");
    const startedAt = Date.now();

    const targets = await DevToolsSession.targets(stack.inspectorOrigin);
    log(`profile: inspector ${stack.inspectorOrigin} lists ${targets.length} target(s): ${targets.map((target) => `"${target.title}" ${target.url}`).join(", ")}`);
    const target = targets[0];
    if (target === undefined) throw new Error("the inspector lists no target");
    const logged = new Map<string, number>();
    const attach = async (): Promise<DevToolsSession> => {
      const session = await DevToolsSession.connect(target.url);
      session.on("Runtime.consoleAPICalled", (params) => {
        const call = consoleCall.safeParse(params);
        const value = call.success ? call.data.args[0]?.value : undefined;
        if (typeof value !== "string" || !value.startsWith("{")) return;
        const line = requestLogLine.safeParse(JSON.parse(value));
        if (line.success) logged.set(line.data.request_id, line.data.duration_ms);
      });
      return session;
    };

    const client = new SequentialClient(stack.baseUrl);
    const selected = [PLATFORM, ...PROFILED.map((name) => findOperation(name))];
    const users = await seedUsersWithTokens(stack, 1 + selected.filter((operation) => operation.kind === "write").length);
    const [readerApi, ...ownApis] = users.map((user) => new UserApi(client, user.token));
    if (readerApi === undefined) throw new Error("no seeded users");
    const profileDir = join(root, ".wrangler", "bench-profile", new Date(startedAt).toISOString().replace(/[:.]/g, "-"));
    mkdirSync(profileDir, { recursive: true });

    try {
      log("profile: preparing the reader's tasks…");
      const reader = await prepareReader(readerApi);
      const bundle = readBundleMap(findBundle(startedAt - 120_000));
      const measured: OperationFigures[] = [];
      let nextOwn = 0;
      for (const operation of selected) {
        const own = operation.kind === "write" ? ownApis[nextOwn++] : readerApi;
        if (own === undefined) throw new Error(`no user left for ${operation.name}`);
        const slug = operation.name.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
        log(`  ${operation.name}: preparing ${warmup + 3 * requests} requests…`);
        const prepared: SentRequest[] = [];
        for (let sample = 0; sample < warmup + 3 * requests; sample += 1) prepared.push(await operation.prepare({ own, reader, sample }));
        const failures: Record<string, number> = {};
        const send = async (request: SentRequest, requestId: string): Promise<Timed> => {
          const response = await client.send({ ...request, headers: { ...request.headers, "x-request-id": requestId } });
          if (response.status < 200 || response.status > 299) failures[response.status] = (failures[response.status] ?? 0) + 1;
          return { requestId, status: response.status, ms: response.ms };
        };
        const pass = async (name: string, from: number, count: number): Promise<Timed[]> => {
          const taken: Timed[] = [];
          for (let index = 0; index < count; index += 1) {
            const request = prepared[from + index];
            if (request === undefined) throw new Error("ran out of prepared requests");
            taken.push(await send(request, `profile-${slug}-${name}-${index}`));
          }
          // waitUntil work after the last response lands inside the pass.
          await sleep(200);
          return taken;
        };

        await pass("warmup", 0, warmup);
        log(`  ${operation.name}: pass 1 (no DevTools session), ${requests} requests…`);
        const before = snapshotCpu();
        const timed = await pass("timed", warmup, requests);
        const processCpuMicros = cpuBetween(before, snapshotCpu());
        const session = await attach();
        let profile: CpuProfile;
        let attached: Timed[];
        let profiled: Timed[];
        try {
          log(`  ${operation.name}: pass 2 (DevTools session attached, no profiler), ${requests} requests…`);
          attached = await pass("attached", warmup + requests, requests);
          log(`  ${operation.name}: pass 3 (profiler every ${interval} µs), ${requests} requests…`);
          await startProfiler(session, interval);
          profiled = await pass("profiled", warmup + 2 * requests, requests);
          profile = await stopProfiler(session);
        } finally {
          session.close();
        }
        const profilePath = join(profileDir, `${slug}.cpuprofile`);
        writeFileSync(profilePath, JSON.stringify(profile));

        const endpoint: EndpointTiming[] = [];
        for (const sample of timed) endpoint.push(await requestTiming(stack.neonOrigin, sample.requestId));
        const loggedMs = attached.map((sample) => logged.get(sample.requestId)).filter((value): value is number => value !== undefined);
        measured.push(
          summariseOperation({
            operation: operation.name,
            timed,
            attached,
            profiled,
            failures,
            endpoint,
            loggedMs,
            processCpuMicros,
            attribution: attribute(profile, bundle, { bundleUrl: "index.js", gapMicros: GAP_MICROS }),
            profilePath,
          }),
        );
      }
      const figures = { requests, intervalMicros: interval, inspectorTargets: targets.length, operations: measured };
      const clean = measured.every((op) => Object.keys(op.failures).length === 0);
      return { report: renderProfile(figures), figures, clean };
    } finally {
      client.close();
    }
  },
});

function findOperation(name: string): Operation {
  const operation = operations.find((candidate) => candidate.name === name);
  if (operation === undefined) throw new Error(`load/floor/operations.ts has no operation ${name}`);
  return operation;
}

/** The bundle wrangler dev runs: the newest `.wrangler/tmp/dev-<id>/index.js` written since `since` (ms epoch). */
function findBundle(since: number): string {
  const tmp = join(root, ".wrangler", "tmp");
  const candidates = readdirSync(tmp)
    .filter((entry) => entry.startsWith("dev-"))
    .map((entry) => join(tmp, entry, "index.js"))
    .flatMap((path) => {
      try {
        return [{ path, mtime: statSync(path).mtimeMs }];
      } catch {
        return [];
      }
    })
    .filter((candidate) => candidate.mtime >= since)
    .sort((a, b) => b.mtime - a.mtime);
  const newest = candidates[0];
  if (newest === undefined) throw new Error(`no wrangler dev bundle under ${tmp} written since the run started`);
  return newest.path;
}

