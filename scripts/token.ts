/**
 * `npm run -s token -- --email you@example.com [--name "Your Name"] [--json]`
 *
 * Local development only: signs a user in WITHOUT Google and prints an access token for `/docs` or curl
 * (`Authorization: Bearer <token>`). It runs the Worker's own sign-in service (src/services/auth/sign-in.ts)
 * against the local database, so the semantics are a real sign-in's: the user is created on first use (tier
 * free, UTC, kickstart credits granted once), a previous session of that user is revoked, and the token is
 * signed with the dev key `npm run dev` uses (.data/jwt-key.json, or JWT_PRIVATE_KEY if configured).
 *
 * Refuses unless DATABASE_URL points at a loopback host and ENVIRONMENT is not staging/production. An
 * existing user with that e-mail keeps their Google identity, e-mail, name and avatar (`--name` is used only
 * when the user is created); a new one gets a local identity (`local-dev:<email>`) that no Google account can
 * ever sign in as.
 *
 * Database: DATABASE_URL from the environment or .dev.vars; else the embedded database of a running
 * `npm run dev` (it announces its socket in .data/dev-database.json); else .data/pglite opened directly.
 */
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import pg from "pg";
import { configured, loadConfigSchema, resolveConfig } from "./dev/config.ts";
import { startEmbeddedPostgres } from "./dev/database.ts";
import { runningDatabase } from "./dev/running-database.ts";
import { loadOrCreateDevSigningKey } from "./dev/jwt-key.ts";
import { readDevVars } from "./lib/dev-vars.ts";
import { migrate } from "./lib/migrate.ts";
import { startNeonEndpoint } from "./neon-endpoint/index.ts";

const root = join(fileURLToPath(new URL(".", import.meta.url)), "..");
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;
const cleanups: (() => Promise<void>)[] = [];

try {
  await main();
} catch (error) {
  console.error(`npm run token: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { email: { type: "string" }, name: { type: "string" }, json: { type: "boolean", default: false } } });
  const email = values.email?.trim();
  if (email === undefined || !EMAIL.test(email)) throw new Error('usage: npm run -s token -- --email you@example.com [--name "Your Name"] [--json]');

  const schema = await loadConfigSchema(root);
  const { vars } = resolveConfig({ keys: Object.keys(schema.shape), devVars: readDevVars(join(root, ".dev.vars")), env: process.env });
  const environment = configured(vars, "ENVIRONMENT") ?? "development";
  if (environment === "production" || environment === "staging") throw new Error(`refusing: ENVIRONMENT is ${environment}`);

  const givenUrl = configured(vars, "DATABASE_URL");
  if (givenUrl !== undefined && !isLoopback(givenUrl)) {
    throw new Error("refusing: DATABASE_URL is not a local database (loopback host or Unix socket only)");
  }
  const databaseUrl = givenUrl ?? runningDatabase(root) ?? (await openEmbedded());
  await migrate(databaseUrl);

  const endpoint = await startNeonEndpoint(givenUrl === undefined ? { maxConnections: 1 } : {});
  cleanups.push(() => endpoint.close());
  if (configured(vars, "JWT_PRIVATE_KEY") === undefined) {
    const { key } = await loadOrCreateDevSigningKey(join(root, ".data", "jwt-key.json"));
    vars.JWT_PRIVATE_KEY = key.privateKeyPem;
    vars.JWT_KEY_ID = key.kid;
  }
  vars.DATABASE_URL = databaseUrl;
  vars.NEON_FETCH_ENDPOINT = endpoint.url;

  const identity = await identityFor(databaseUrl, email, values.name);
  const worker = await loadWorkerModules();
  const loaded = worker.loadConfig(vars);
  if (!loaded.ok) throw new Error(`invalid configuration: ${loaded.problems.map((p) => p.variable).join(", ")}`);
  const requestId = `npm-run-token-${Date.now()}`;
  const trace = worker.newDbTrace(requestId, endpoint.url);
  const ctx = {
    db: worker.createDb(databaseUrl, trace),
    trace,
    clock: { now: () => new Date() },
    config: loaded.config,
    env: vars,
    requestId,
    actor: { type: "system", job: "npm-run-token" },
    waitUntil: () => undefined,
  };
  const result = await worker.signIn({ ctx, input: { identity, timezone: undefined, userAgent: "npm run token", ip: "127.0.0.1" } });

  if (values.json) {
    console.log(JSON.stringify({ ...result.tokens, user: result.user, is_new_user: result.isNewUser }, null, 2));
    return;
  }
  console.error(
    `${result.isNewUser ? "Created" : "Signed in"} ${result.user.email} (user ${result.user.id}, tier ${result.user.tier}); ` +
      `access token valid ${Math.round(result.tokens.expires_in / 60)} min. Use: Authorization: Bearer <token>`,
  );
  console.log(result.tokens.access_token);
}

/** localhost, 127.0.0.0/8, ::1, or a Unix socket (no host / a host that is a path). */
function isLoopback(databaseUrl: string): boolean {
  let host: string;
  try {
    const url = new URL(databaseUrl);
    host = url.searchParams.get("host") ?? url.hostname;
  } catch {
    return false;
  }
  host = host.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "" || host.startsWith("/") || host === "localhost" || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

async function openEmbedded(): Promise<string> {
  try {
    const database = await startEmbeddedPostgres(join(root, ".data", "pglite"));
    cleanups.push(() => database.stop());
    return database.url;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`${reason}\n  (with \`npm run dev\` on the embedded database: stop it first, or run both with DATABASE_URL=postgres://…@127.0.0.1/…)`, {
      cause: error,
    });
  }
}

interface Identity {
  sub: string;
  email: string;
  name: string | undefined;
  picture: string | undefined;
}

/**
 * The existing account with this e-mail keeps its identity and profile: sign-in writes the identity's email,
 * name and avatar onto the user (as Google's claims would), so an existing user's own values are passed back
 * unchanged and `--name` is ignored for them – it only names a user this run creates. Otherwise a local-only
 * identity.
 */
async function identityFor(databaseUrl: string, email: string, name: string | undefined): Promise<Identity> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ google_sub: string; email: string; name: string; avatar_url: string | null }>(
      "select google_sub, email, name, avatar_url from users where lower(email) = lower($1) order by last_sign_in_at desc nulls last limit 1",
      [email],
    );
    const existing = rows[0];
    if (existing) {
      if (name !== undefined && name !== existing.name) {
        console.error(`npm run token: ${existing.email} already exists as "${existing.name}"; --name only names a new user (change it with PATCH /api/v1/users/me).`);
      }
      return { sub: existing.google_sub, email: existing.email, name: existing.name, picture: existing.avatar_url ?? undefined };
    }
    return { sub: `local-dev:${email.toLowerCase()}`, email, name, picture: undefined };
  } finally {
    await client.end();
  }
}

/** The slices of the Worker's modules this script calls (see loadWorkerModules). */
interface WorkerModules {
  loadConfig(env: Record<string, string>): { ok: true; config: unknown } | { ok: false; problems: { variable: string }[] };
  createDb(databaseUrl: string, trace: unknown): unknown;
  newDbTrace(requestId: string, endpoint: string): unknown;
  signIn(args: { ctx: unknown; input: { identity: Identity; timezone: undefined; userAgent: string; ip: string } }): Promise<{
    tokens: { access_token: string; refresh_token: string; expires_in: number };
    user: { id: string; email: string; tier: string };
    isNewUser: boolean;
  }>;
}

/**
 * The Worker's own modules, imported at run time (computed specifiers, like scripts/dev/config.ts): a static
 * import would make `tsc -p scripts/tsconfig.json` type-check src/, which needs the Workers types.
 */
async function loadWorkerModules(): Promise<WorkerModules> {
  const load = (path: string) => import(pathToFileURL(join(root, path)).href) as Promise<Record<string, unknown>>;
  const [env, db, signIn] = await Promise.all([load("src/env.ts"), load("src/db/client.ts"), load("src/services/auth/sign-in.ts")]);
  return { ...env, ...db, ...signIn } as unknown as WorkerModules;
}
