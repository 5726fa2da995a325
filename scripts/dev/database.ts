import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/**
 * The embedded database of `npm run dev` (ARCHITECTURE "Local Neon endpoint"): PGlite persisted on disk,
 * served over the Postgres wire protocol by pglite-socket on a loopback port, so `pg` (the migrator, the
 * local Neon endpoint, `npm run token`, psql) reaches it like any Postgres.
 *
 * PGlite is one Postgres backend. pglite-socket accepts several connections but runs one query at a
 * time and keeps a connection's open transaction to itself, so a few clients can share it safely; the
 * local Neon endpoint uses a single connection (its pool size is 1). That is enough for development and
 * the reason concurrency tests and benchmarks use real PostgreSQL.
 */
export interface EmbeddedPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

// Room for the endpoint's connection plus a migrator, `npm run token` or a psql session at the same time.
const SOCKET_CONNECTIONS = 4;

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const lock = acquireLock(`${dataDir}.lock`);
  try {
    mkdirSync(dataDir, { recursive: true });
    const db = await PGlite.create({ dataDir });
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: SOCKET_CONNECTIONS });
    await server.start();
    // With port 0 the server reports the port the OS chose once it listens.
    const port = Number(server.getServerConn().split(":").at(-1));
    let stopping: Promise<void> | undefined;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      port,
      stop() {
        stopping ??= (async () => {
          await server.stop();
          await db.close(); // flushes and shuts the backend down cleanly, so the next start needs no recovery
          lock.release();
        })();
        return stopping;
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

/**
 * Two PGlite processes on one data directory would corrupt it, so the directory is claimed with a pid file;
 * a lock left behind by a process that no longer runs is taken over.
 */
function acquireLock(path: string): { release(): void } {
  mkdirSync(dirname(path), { recursive: true });
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(path, "utf8").trim());
  } catch {
    holder = undefined;
  }
  if (holder !== undefined && Number.isInteger(holder) && holder !== process.pid && isRunning(holder)) {
    throw new Error(`the embedded database is in use by another process (pid ${holder}); stop it first (${path})`);
  }
  writeFileSync(path, String(process.pid));
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      rmSync(path, { force: true });
    },
  };
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else – still running.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
