import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * While `npm run dev` serves the embedded database, it is one process's PGlite behind a socket on a random
 * port; this file tells other local tools (`npm run token`) where to connect instead of opening the data
 * directory themselves (which the running server holds).
 */
const FILE = join(".data", "dev-database.json");

export function announceRunningDatabase(root: string, url: string): () => Promise<void> {
  const path = join(root, FILE);
  writeFileSync(path, JSON.stringify({ url, pid: process.pid }), { mode: 0o600 });
  return async () => rmSync(path, { force: true });
}

/** The running dev server's embedded database URL, if one is running. */
export function runningDatabase(root: string): string | undefined {
  try {
    const { url, pid } = JSON.parse(readFileSync(join(root, FILE), "utf8")) as { url?: string; pid?: number };
    if (typeof url !== "string" || typeof pid !== "number") return undefined;
    process.kill(pid, 0); // throws when that dev server is gone
    return url;
  } catch {
    return undefined;
  }
}
