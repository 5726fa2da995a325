import { sql } from "drizzle-orm";
import journal from "../../../migrations/meta/_journal.json";
import { isTransientDatabaseError } from "../../db/errors";
import type { ServiceContext } from "../context";

export type CheckState = "ok" | "unreachable" | "behind" | "ahead";

export interface Readiness {
  ready: boolean;
  checks: { database: CheckState; migrations: CheckState | "unknown" };
  migrations: { expected: string | null; applied: string | null };
}

/**
 * Readiness has its own short deadline (capped by DATABASE_TIMEOUT_MS): a load balancer or orchestrator
 * probing a frozen database wants "not ready" within a couple of seconds, not after the full deadline.
 */
export const READINESS_TIMEOUT_MS = 2_000;

// The newest migration this build knows; drizzle's migrator records each applied one by its journal `when`.
const newest = journal.entries.at(-1);
const expectedWhen = newest?.when ?? 0;

/**
 * docs/operations.md readiness in one round trip: the database answers, and its newest applied migration is the one
 * this build ships. A database that is behind means a deploy ran before `db:migrate`; one that is ahead
 * means this build is older than the schema – both are "not ready" so traffic goes elsewhere.
 */
export async function checkReadiness({ ctx }: { ctx: ServiceContext }): Promise<Readiness> {
  let appliedWhen: number | null;
  ctx.trace.timeoutMs = Math.min(ctx.trace.timeoutMs, READINESS_TIMEOUT_MS);
  try {
    const rows = await ctx.db.execute<{ created_at: string | null }>(
      sql`select max(created_at)::text as created_at from drizzle.__drizzle_migrations`,
    );
    const value = rows.rows[0]?.created_at ?? null;
    appliedWhen = value === null ? null : Number(value);
  } catch (error) {
    // Unreachable, past the deadline, or a transient error (db/errors.ts): not ready, retry later.
    const unreachable = ctx.trace.unavailable || isTransientDatabaseError(error);
    if (!unreachable && !isMissingMigrationsTable(error)) throw error;
    if (unreachable) {
      return { ready: false, checks: { database: "unreachable", migrations: "unknown" }, migrations: describe(null) };
    }
    appliedWhen = null;
  }
  const migrations: CheckState =
    appliedWhen === null || appliedWhen < expectedWhen ? "behind" : appliedWhen > expectedWhen ? "ahead" : "ok";
  return { ready: migrations === "ok", checks: { database: "ok", migrations }, migrations: describe(appliedWhen) };
}

function describe(appliedWhen: number | null): Readiness["migrations"] {
  const applied = appliedWhen === null ? null : (journal.entries.find((e) => e.when === appliedWhen)?.tag ?? String(appliedWhen));
  return { expected: newest?.tag ?? null, applied };
}

// 42P01 undefined_table / 3F000 invalid_schema_name: nothing was ever migrated.
function isMissingMigrationsTable(error: unknown): boolean {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    const code = (current as Error & { code?: unknown }).code;
    if (code === "42P01" || code === "3F000") return true;
  }
  return false;
}
