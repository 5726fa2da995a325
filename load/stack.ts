import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { z } from "zod";
import { startNeonEndpoint } from "../scripts/neon-endpoint/index.ts";
import { createDevSigningKey } from "../scripts/dev/jwt-key.ts";
import type { Shutdown } from "../scripts/dev/shutdown.ts";
import type { Vars } from "../scripts/lib/dev-vars.ts";
import { migrate } from "../scripts/lib/migrate.ts";
import { startTempPostgres } from "../scripts/lib/postgres.ts";
import { startWranglerDev } from "../scripts/lib/wrangler.ts";
import { DEFAULT_CLIENT_ID, startGoogleIssuer } from "../test/fakes/node/google-issuer.ts";
import type { BenchStack } from "./scenario.ts";

/**
 * The stack a benchmark runs against: a throw-away real PostgreSQL (not PGlite – it runs one query at a
 * time and would measure itself), migrated, the local Neon HTTP endpoint in front of it, and `wrangler
 * dev` with a fresh signing key and its own Durable Object state, so runs neither see nor leave state.
 * Each part registers its stop with `shutdown` as soon as it runs.
 */
const JWT_ISSUER = "perpetua-flow";
const JWT_AUDIENCE = "perpetua-flow-api";

export async function startBenchStack(options: {
  root: string;
  scenarioVars: Vars | undefined;
  shutdown: Shutdown;
  log: (line: string) => void;
  /** Receives wrangler's and the endpoint's output lines (`--verbose`). */
  trace?: (line: string) => void;
  /** Entry script of a second Worker with the same variables (the scenario's `baseline`), relative to root. */
  baselineScript?: string;
}): Promise<BenchStack> {
  const { shutdown, log, trace } = options;
  const started = performance.now();

  const postgres = await startTempPostgres({ database: "perpetua_bench" });
  shutdown.defer("PostgreSQL", () => postgres.stop());
  await migrate(postgres.url);

  // 1000-connection runs queue far past the pool's 20 connections: let them wait instead of failing at 10 s.
  const endpoint = await startNeonEndpoint({ connectionTimeoutMs: 120_000, ...(trace ? { log: trace } : {}) });
  shutdown.defer("local Neon endpoint", () => endpoint.close());

  // The fake Google issuer (same as the tests'), so sign-in scenarios run without Google.
  const google = await startGoogleIssuer();
  shutdown.defer("fake Google issuer", () => google.close());

  const key = await createDevSigningKey();
  const vars: Vars = {
    ENVIRONMENT: "development",
    DATABASE_URL: postgres.url,
    NEON_FETCH_ENDPOINT: endpoint.url,
    JWT_PRIVATE_KEY: key.privateKeyPem,
    JWT_KEY_ID: key.kid,
    JWT_ISSUER,
    JWT_AUDIENCE,
    GOOGLE_JWKS_URL: google.jwksUrl(),
    GOOGLE_CLIENT_IDS: DEFAULT_CLIENT_ID,
    // /api/v1/metrics exists only with a token: a scenario can check what a run left in the metrics.
    METRICS_TOKEN: randomBytes(24).toString("base64url"),
    ...options.scenarioVars,
  };

  // Both Workers compile and start at the same time: start-up is most of a bench's wall time.
  const ports = await distinctFreePorts(4);
  const worker = (label: string, [port, inspectorPort]: number[], script?: string) =>
    startWorker({
      root: options.root,
      label,
      vars,
      shutdown,
      port: port ?? 0,
      inspectorPort: inspectorPort ?? 0,
      ...(script === undefined ? {} : { script }),
      ...(trace ? { trace } : {}),
    });
  const [origin, baselineOrigin] = await Promise.all([
    worker("wrangler", ports.slice(0, 2)),
    options.baselineScript === undefined ? undefined : worker("wrangler (baseline)", ports.slice(2), options.baselineScript),
  ]);
  const workers = baselineOrigin === undefined ? origin : `${origin} and ${baselineOrigin} (${options.baselineScript ?? ""})`;
  log(`stack ready in ${((performance.now() - started) / 1000).toFixed(1)} s: PostgreSQL → ${endpoint.url} → ${workers}`);

  return {
    baseUrl: origin,
    inspectorOrigin: `http://127.0.0.1:${ports[1] ?? 0}`,
    ...(baselineOrigin === undefined ? {} : { baselineUrl: baselineOrigin }),
    databaseUrl: postgres.url,
    neonOrigin: endpoint.origin,
    jwt: { ...key, issuer: vars.JWT_ISSUER ?? JWT_ISSUER, audience: vars.JWT_AUDIENCE ?? JWT_AUDIENCE },
    vars,
    metricsToken: vars.METRICS_TOKEN ?? "",
    google: { issuerOrigin: google.origin, clientId: DEFAULT_CLIENT_ID },
  };
}

/**
 * One `wrangler dev` on a free port with its own Durable Object state directory (so two Workers in one run
 * share no guard state), ready when its readiness probe answers; returns its origin.
 */
async function startWorker(options: {
  root: string;
  label: string;
  vars: Vars;
  shutdown: Shutdown;
  port: number;
  /** Not 9229, so a bench can run next to `npm run dev`. */
  inspectorPort: number;
  script?: string;
  trace?: (line: string) => void;
}): Promise<string> {
  const { shutdown, trace } = options;
  const persistTo = mkdtempSync(join(stateParent(), "perpetua-bench-state-"));
  shutdown.defer(`${options.label} state`, async () => rmSync(persistTo, { recursive: true, force: true }));
  const wrangler = startWranglerDev({
    root: options.root,
    ...(options.script === undefined ? {} : { script: options.script }),
    port: options.port,
    inspectorPort: options.inspectorPort,
    persistTo,
    // Its own dev registry, deleted with the state: the bench must not disturb a running `npm run dev`.
    registryPath: join(persistTo, "dev-registry"),
    vars: options.vars,
    // Per-request log lines cost the Worker ~15 % of its throughput under wrangler dev; --verbose keeps them.
    ...(trace ? { onLine: trace } : { logLevel: "warn" as const }),
  });
  shutdown.defer(options.label, () => wrangler.stop());
  await wrangler.waitUntilReady("/api/v1/health/ready", { timeoutMs: 90_000 });
  return wrangler.origin;
}

/**
 * Where Durable Object state goes: memory (/dev/shm) when the machine has it. Every UserGuard write is a
 * local SQLite commit that the response waits for (the output gate); on this VM's shared disk such commits
 * stalled the guarded Worker for 2–4 s at a time, which says nothing about Durable Objects in production –
 * the same reason the bench's PostgreSQL runs with fsync=off.
 */
function stateParent(): string {
  return existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
}

/**
 * `count` different free ports: all are held open until the last is found, so two Workers starting at the
 * same time cannot be handed the same port (scripts/lib/postgres.ts `freePort` releases each at once).
 */
async function distinctFreePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () =>
      new Promise<Server>((resolve, reject) => {
        const server = createServer();
        server.once("error", reject);
        server.listen(0, "127.0.0.1", () => resolve(server));
      }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** Total `/sql` requests the endpoint has served (GET /_control/round-trips). */
export async function totalRoundTrips(neonOrigin: string): Promise<number> {
  const response = await fetch(`${neonOrigin}/_control/round-trips`);
  const body = (await response.json()) as { total?: unknown };
  if (typeof body.total !== "number") throw new Error(`unexpected /_control/round-trips answer: ${JSON.stringify(body)}`);
  return body.total;
}

/**
 * Waits until the database side is quiet: nothing in flight at the local Neon endpoint and no new `/sql`
 * request for `settleMs` (work after an earlier response – outbox sends, after-commit handlers, queue
 * consumers – issues its round trips one after another). Gives up after `timeoutMs` and says so.
 */
export async function databaseQuiet(neonOrigin: string, options: { settleMs: number; timeoutMs: number }): Promise<boolean> {
  const read = async () => {
    const response = await fetch(`${neonOrigin}/_control/round-trips`);
    return z.object({ total: z.number(), in_flight: z.number() }).parse(await response.json());
  };
  const deadline = performance.now() + options.timeoutMs;
  let last = await read();
  while (performance.now() < deadline) {
    await sleep(options.settleMs);
    const now = await read();
    if (now.in_flight === 0 && now.total === last.total) return true;
    last = now;
  }
  return false;
}

/** `/sql` requests the endpoint has served for one request id (the Worker sends its X-Request-ID along). */
export async function requestRoundTrips(neonOrigin: string, requestId: string): Promise<number> {
  return (await requestTiming(neonOrigin, requestId)).roundTrips;
}

/** One finished `/sql` request on the wall clock (epoch ms, sub-ms precision), as the endpoint saw it. */
export interface EndpointSpan {
  arrivedAt: number;
  answeredAt: number;
  postgresMs: number;
}

const timingAnswer = z.object({
  round_trips: z.number(),
  endpoint_ms: z.number(),
  postgres_ms: z.number(),
  spans: z.array(z.object({ arrived_at: z.number(), answered_at: z.number(), postgres_ms: z.number() })),
});

/** A request id's round trips with the endpoint's time on them (GET /_control/round-trips?request_id=). */
export async function requestTiming(
  neonOrigin: string,
  requestId: string,
): Promise<{ roundTrips: number; endpointMs: number; postgresMs: number; spans: EndpointSpan[] }> {
  const response = await fetch(`${neonOrigin}/_control/round-trips?request_id=${encodeURIComponent(requestId)}`);
  const body = timingAnswer.parse(await response.json());
  return {
    roundTrips: body.round_trips,
    endpointMs: body.endpoint_ms,
    postgresMs: body.postgres_ms,
    spans: body.spans.map((span) => ({ arrivedAt: span.arrived_at, answeredAt: span.answered_at, postgresMs: span.postgres_ms })),
  };
}
