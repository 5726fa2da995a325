import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startNeonEndpoint } from "../scripts/neon-endpoint/index.ts";
import { createDevSigningKey } from "../scripts/dev/jwt-key.ts";
import type { Shutdown } from "../scripts/dev/shutdown.ts";
import type { Vars } from "../scripts/lib/dev-vars.ts";
import { migrate } from "../scripts/lib/migrate.ts";
import { freePort, startTempPostgres } from "../scripts/lib/postgres.ts";
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
}): Promise<BenchStack> {
  const { shutdown, log, trace } = options;
  const started = performance.now();

  const postgres = await startTempPostgres({ database: "perpetua_bench" });
  const postmasterPid = await readPostmasterPid(postgres.url);
  shutdown.defer("PostgreSQL", async () => {
    // Fast shutdown signalled to the postmaster itself: as root, startTempPostgres runs it under `runuser`,
    // which ignores the SIGINT that stop() sends, so stop() alone would wait forever. stop() then only waits
    // for the exit and removes the directory.
    signal(postmasterPid, "SIGINT");
    await postgres.stop();
  });
  await migrate(postgres.url);

  const endpoint = await startNeonEndpoint(trace ? { log: trace } : {});
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
    ...options.scenarioVars,
  };

  const persistTo = mkdtempSync(join(tmpdir(), "perpetua-bench-state-"));
  shutdown.defer("wrangler state", async () => rmSync(persistTo, { recursive: true, force: true }));
  const wrangler = startWranglerDev({
    root: options.root,
    port: await freePort(),
    // Not 9229, so a bench can run next to `npm run dev`.
    inspectorPort: await freePort(),
    persistTo,
    vars,
    // Per-request log lines cost the Worker ~15 % of its throughput under wrangler dev; --verbose keeps them.
    ...(trace ? { onLine: trace } : { logLevel: "warn" as const }),
  });
  shutdown.defer("wrangler", () => wrangler.stop());
  await wrangler.waitUntilReady("/api/v1/health/ready", { timeoutMs: 90_000 });
  log(`stack ready in ${((performance.now() - started) / 1000).toFixed(1)} s: PostgreSQL → ${endpoint.url} → ${wrangler.origin}`);

  return {
    baseUrl: wrangler.origin,
    databaseUrl: postgres.url,
    neonOrigin: endpoint.origin,
    jwt: { ...key, issuer: vars.JWT_ISSUER ?? JWT_ISSUER, audience: vars.JWT_AUDIENCE ?? JWT_AUDIENCE },
    vars,
    google: { issuerOrigin: google.origin, clientId: DEFAULT_CLIENT_ID },
  };
}

/** The postmaster's pid: the first line of postmaster.pid in the server's data directory. */
async function readPostmasterPid(databaseUrl: string): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ data_directory: string }>("show data_directory");
    const dataDirectory = rows[0]?.data_directory;
    if (dataDirectory === undefined) throw new Error("show data_directory returned nothing");
    return Number(readFileSync(join(dataDirectory, "postmaster.pid"), "utf8").split("\n")[0]);
  } finally {
    await client.end();
  }
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Total `/sql` requests the endpoint has served (GET /_control/round-trips). */
export async function totalRoundTrips(neonOrigin: string): Promise<number> {
  const response = await fetch(`${neonOrigin}/_control/round-trips`);
  const body = (await response.json()) as { total?: unknown };
  if (typeof body.total !== "number") throw new Error(`unexpected /_control/round-trips answer: ${JSON.stringify(body)}`);
  return body.total;
}
