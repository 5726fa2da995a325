/**
 * `npm run dev`: the whole API locally with one command (ARCHITECTURE "Local Neon endpoint").
 *
 *   npm run dev [-- --verbose]          PORT=8899 npm run dev          DATABASE_URL=postgres://… npm run dev
 *
 * Configuration: local defaults < `.dev.vars` < process environment (docs/configuration.md). Then: the database (the
 * Postgres named by DATABASE_URL, else embedded PGlite under .data/pglite), migrations, the local Neon
 * HTTP endpoint, the dev signing key (.data/jwt-key.json), the Web Push VAPID key pair (.data/vapid.json), and `wrangler dev` on 127.0.0.1:PORT with the
 * merged variables. Ctrl-C stops it all, Worker first, database last.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startNeonEndpoint } from "./neon-endpoint/index.ts";
import { configured, loadConfigSchema, resolveConfig, resolvePort, validateConfig } from "./dev/config.ts";
import { startEmbeddedPostgres } from "./dev/database.ts";
import { announceRunningDatabase } from "./dev/running-database.ts";
import { loadOrCreateDevSigningKey } from "./dev/jwt-key.ts";
import { loadOrCreateDevVapidKeys } from "./dev/vapid-key.ts";
import { installShutdown } from "./dev/shutdown.ts";
import { readDevVars } from "./lib/dev-vars.ts";
import { migrate } from "./lib/migrate.ts";
import { startWranglerDev } from "./lib/wrangler.ts";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const { values: flags } = parseArgs({ options: { verbose: { type: "boolean", default: false } } });
const say = (line: string) => console.log(line);
const step = (label: string, detail: string) => say(`  ${label.padEnd(9)} ${detail}`);
const shutdown = installShutdown(say);

try {
  await main();
} catch (error) {
  console.error(`\nnpm run dev failed: ${error instanceof Error ? error.message : String(error)}`);
  await shutdown.run(1);
}

async function main(): Promise<void> {
  say("Perpetua Flow API – local development");
  const schema = await loadConfigSchema(root);
  const keys = Object.keys(schema.shape);
  const devVars = readDevVars(join(root, ".dev.vars"));
  const { vars, sources, unknownKeys } = resolveConfig({ keys, devVars, env: process.env });
  const port = resolvePort(process.env);
  const fromEnv = keys.filter((key) => sources[key] === "environment");
  step("config", [devVars ? ".dev.vars" : "defaults (no .dev.vars)", fromEnv.length ? `environment: ${fromEnv.join(", ")}` : ""].filter(Boolean).join(" + "));
  if (unknownKeys.length > 0) step("warning", `.dev.vars has keys docs/configuration.md does not know: ${unknownKeys.join(", ")}`);

  const givenDatabaseUrl = configured(vars, "DATABASE_URL");
  if (givenDatabaseUrl) step("database", `${redact(givenDatabaseUrl)} (DATABASE_URL from ${sources.DATABASE_URL})`);
  const databaseUrl = givenDatabaseUrl ?? (await startEmbedded());
  const { applied } = await migrate(databaseUrl);
  step("migrate", applied.length ? `applied ${applied.join(", ")}` : "up to date");
  vars.DATABASE_URL = databaseUrl;

  const givenEndpoint = configured(vars, "NEON_FETCH_ENDPOINT");
  if (givenEndpoint) {
    step("neon http", `${givenEndpoint} (NEON_FETCH_ENDPOINT from ${sources.NEON_FETCH_ENDPOINT})`);
  } else {
    const endpoint = await startNeonEndpoint({
      // PGlite runs one query at a time; a bigger pool would only queue inside pglite-socket.
      ...(givenDatabaseUrl ? {} : { maxConnections: 1 }),
      ...(flags.verbose ? { log: (line: string) => say(`[neon] ${line}`) } : {}),
    });
    shutdown.defer("local Neon endpoint", () => endpoint.close());
    vars.NEON_FETCH_ENDPOINT = endpoint.url;
    step("neon http", endpoint.url);
  }

  if (!configured(vars, "JWT_PRIVATE_KEY")) {
    const { key, created } = await loadOrCreateDevSigningKey(join(root, ".data", "jwt-key.json"));
    vars.JWT_PRIVATE_KEY = key.privateKeyPem;
    vars.JWT_KEY_ID = key.kid;
    step("jwt key", `${created ? "generated" : "reused"} .data/jwt-key.json (kid ${key.kid})`);
  } else {
    step("jwt key", `JWT_PRIVATE_KEY from ${sources.JWT_PRIVATE_KEY ?? "config"}`);
  }

  // Web Push: all three VAPID variables or none (src/env.ts); none configured → the dev key pair.
  if (!configured(vars, "VAPID_PUBLIC_KEY") && !configured(vars, "VAPID_PRIVATE_KEY")) {
    const { keys, created } = loadOrCreateDevVapidKeys(join(root, ".data", "vapid.json"));
    vars.VAPID_PUBLIC_KEY = keys.publicKey;
    vars.VAPID_PRIVATE_KEY = keys.privateKey;
    vars.VAPID_SUBJECT = configured(vars, "VAPID_SUBJECT") ?? keys.subject;
    step("vapid key", `${created ? "generated" : "reused"} .data/vapid.json`);
  } else {
    step("vapid key", `VAPID_PUBLIC_KEY from ${sources.VAPID_PUBLIC_KEY ?? "config"}`);
  }

  const problems = validateConfig(schema, vars);
  if (problems.length > 0) throw new Error(`invalid configuration:\n    ${problems.join("\n    ")}`);

  step("worker", `wrangler dev on 127.0.0.1:${port} …`);
  const startupLines: string[] = [];
  let ready = false;
  const wrangler = startWranglerDev({
    root,
    port,
    vars,
    // Not the machine-wide registry: a bench or test run must not make this server reload (scripts/lib/wrangler.ts).
    registryPath: join(root, ".data", "wrangler-registry"),
    onLine(line) {
      // Wrangler's start-up chatter only matters when it fails; afterwards its request log is the point.
      if (ready || flags.verbose) say(line);
      else startupLines.push(line);
    },
  });
  shutdown.defer("wrangler", () => wrangler.stop());
  void wrangler.exited.then((code) => {
    if (shutdown.started) return;
    console.error(`wrangler exited unexpectedly (code ${String(code)})`);
    void shutdown.run(code ?? 1);
  });

  try {
    await wrangler.waitUntilReady("/api/v1/health/ready", { timeoutMs: 90_000 });
  } catch (error) {
    console.error(startupLines.slice(-40).join("\n"));
    throw error;
  }
  ready = true;
  const base = wrangler.origin;
  say(`\nReady in ${(performance.now() / 1000).toFixed(1)} s`);
  step("API", `${base}/api/v1`);
  step("Docs", `${base}/docs`);
  step("OpenAPI", `${base}/openapi.json`);
  step("Token", "npm run token -- --email you@example.com   (then: Authorization: Bearer <token>)");
  say("Ctrl-C stops everything. Request log:\n");
}

async function startEmbedded(): Promise<string> {
  const dataDir = join(root, ".data", "pglite");
  const fresh = !existsSync(join(dataDir, "PG_VERSION"));
  step("database", `embedded PGlite, .data/pglite${fresh ? " (first start: initialising, ~10 s)" : ""}`);
  const database = await startEmbeddedPostgres(dataDir);
  shutdown.defer("embedded database", () => database.stop());
  shutdown.defer("running-database note", announceRunningDatabase(root, database.url));
  return database.url;
}

/** Connection strings may carry a password; the console gets the rest. */
function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    return parsed.toString();
  } catch {
    return "(unparseable DATABASE_URL)";
  }
}
