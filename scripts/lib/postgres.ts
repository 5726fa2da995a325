import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, chownSync, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";

/**
 * A throw-away real PostgreSQL server for tests and benchmarks (ARCHITECTURE "npm test"): initdb into a temp
 * dir, random port on loopback, durability switched off (it is thrown away). PostgreSQL refuses to run as
 * root, and CI runs as root, so it then runs as the `postgres` system user.
 */
export interface TempPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export function findPostgresBin(): string {
  try {
    const dir = execFileSync("pg_config", ["--bindir"], { encoding: "utf8" }).trim();
    if (existsSync(join(dir, "initdb"))) return dir;
  } catch {
    // pg_config is in the -dev package; fall back to the Debian layout below.
  }
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  for (const version of versions) {
    const dir = join(root, version, "bin");
    if (existsSync(join(dir, "initdb"))) return dir;
  }
  throw new Error("PostgreSQL binaries not found: install the Debian `postgresql` package (see .ci/run).");
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;

function asPostgresUser(command: string, args: string[]): [string, string[]] {
  return isRoot ? ["runuser", ["-u", "postgres", "--", command, ...args]] : [command, args];
}

function postgresUserIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
  const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
  return { uid, gid };
}

export async function startTempPostgres(options: { database?: string; log?: (line: string) => void } = {}): Promise<TempPostgres> {
  const bin = findPostgresBin();
  const database = options.database ?? "perpetua";
  const dir = mkdtempSync(join(tmpdir(), "perpetua-pg-"));
  if (isRoot) {
    const { uid, gid } = postgresUserIds();
    chownSync(dir, uid, gid);
  }
  const dataDir = join(dir, "data");
  const [initCmd, initArgs] = asPostgresUser(join(bin, "initdb"), [
    "-D", dataDir, "-U", "postgres", "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
  ]);
  execFileSync(initCmd, initArgs, { stdio: "pipe" });

  const port = await freePort();
  const [cmd, args] = asPostgresUser(join(bin, "postgres"), [
    "-D", dataDir, "-p", String(port), "-k", dir, "-c", "listen_addresses=127.0.0.1",
    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
    "-c", "max_connections=300", "-c", "shared_buffers=256MB", "-c", "timezone=UTC",
  ]);
  const child: ChildProcess = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
    options.log?.(chunk.toString());
  });

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  await waitForServer(adminUrl, child, () => stderr);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();

  return {
    url: `postgres://postgres@127.0.0.1:${port}/${database}`,
    port,
    async stop() {
      const exited = new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
      });
      // Signal the postmaster itself: under `runuser` the direct child ignores SIGINT. SIGINT = fast shutdown.
      const postmasterPid = readPostmasterPid(dataDir);
      if (postmasterPid !== undefined) process.kill(postmasterPid, "SIGINT");
      else child.kill("SIGTERM");
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForServer(url: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`postgres exited early:\n${stderr()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`postgres did not start within 30 s:\n${stderr()}`);
}

function readPostmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
