import { sql, type SQL } from "drizzle-orm";
import { createDb, newDbTrace, type Database } from "../../../src/db/client";
import { databaseUrl, neonEndpoint } from "../../support/env";
import { newRequestId } from "../../support/requests";

/**
 * The production database path for tests that arrange or inspect rows directly: drizzle over neon-http
 * through the local Neon endpoint, exactly as a request's `ctx.db` is built.
 */
export function testDb(label = "platform"): Database {
  return createDb(databaseUrl(), newDbTrace(newRequestId(label), neonEndpoint()));
}

export async function rows<T extends Record<string, unknown>>(db: Database, query: SQL): Promise<T[]> {
  return (await db.execute<T>(query)).rows;
}

/** A fresh user row (every per-user table hangs off `users`); returns its id. */
export async function insertUser(db: Database): Promise<string> {
  const sub = `platform-${crypto.randomUUID()}`;
  const [row] = await rows<{ id: string }>(
    db,
    sql`insert into users (google_sub, email, name) values (${sub}, ${`${sub}@example.test`}, 'Platform Test') returning id`,
  );
  if (!row) throw new Error("user insert returned no row");
  return row.id;
}

export interface PgErrorFields {
  code?: string;
  message?: string;
  hint?: string;
  table?: string;
}

/**
 * Awaits a statement that must fail and returns the Postgres error behind it. drizzle wraps a failed
 * `db.execute` in a "Failed query" error whose `cause` is the driver's error; a failed batch is not wrapped.
 */
export async function pgError(promise: Promise<unknown>): Promise<PgErrorFields> {
  try {
    await promise;
  } catch (error) {
    const inner = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    return inner as PgErrorFields;
  }
  throw new Error("expected the statement to be refused, but it succeeded");
}

export const isoAgo = (ms: number, from = Date.now()): string => new Date(from - ms).toISOString();

export const DAY_MS = 86_400_000;

export { sql };
