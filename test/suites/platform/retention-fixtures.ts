import type { Database } from "../../../src/db/client";
import { DAY_MS, isoAgo, rows, sql } from "./database";

/**
 * Rows on both sides of every retention rule of the daily purge (src/services/maintenance/purge-expired.ts), for one user.
 * `expired` lists the ids the purge must delete, `kept` the ids it must leave alone, per table.
 */
export interface RetentionRows {
  expired: Record<RetentionTable, string[]>;
  kept: Record<RetentionTable, string[]>;
}

export type RetentionTable = "idempotency_records" | "auth_sessions" | "refresh_tokens" | "deletion_tombstones" | "outbox";

const HOUR_MS = 3_600_000;
const hash = (): string => (crypto.randomUUID() + crypto.randomUUID()).replaceAll("-", "").slice(0, 64);

async function one(db: Database, query: ReturnType<typeof sql>): Promise<string> {
  const [row] = await rows<{ id: string }>(db, query);
  if (!row) throw new Error("insert returned no row");
  return row.id;
}

async function idempotencyRecord(db: Database, userId: string, createdAt: string): Promise<string> {
  const key = `purge-${crypto.randomUUID()}`;
  await db.execute(sql`
    insert into idempotency_records (user_id, key, method, path, request_hash, locked_until, created_at)
    values (${userId}, ${key}, 'POST', '/api/v1/tasks', ${hash()}, ${createdAt}::timestamptz, ${createdAt}::timestamptz)`);
  return key;
}

/** A revoked session (revoked `revokedMsAgo` ago) holding one token revoked at the same time. */
async function revokedSession(db: Database, userId: string, revokedMsAgo: number, from: number): Promise<{ session: string; token: string }> {
  const at = isoAgo(revokedMsAgo, from);
  const session = await one(
    db,
    sql`insert into auth_sessions (user_id, revoked_at, revoked_reason) values (${userId}, ${at}::timestamptz, 'logout') returning id`,
  );
  const token = await refreshToken(db, userId, session, { expiresAt: isoAgo(-7 * DAY_MS, from), revokedAt: at });
  return { session, token };
}

async function refreshToken(
  db: Database,
  userId: string,
  sessionId: string,
  times: { expiresAt: string; revokedAt: string | null },
): Promise<string> {
  return one(
    db,
    sql`insert into refresh_tokens (token_hash, user_id, session_id, expires_at, revoked_at)
        values (${hash()}, ${userId}, ${sessionId}, ${times.expiresAt}::timestamptz, ${times.revokedAt}::timestamptz) returning id`,
  );
}

async function tombstone(db: Database, userId: string, expiresAt: string, restoredAt: string | null): Promise<string> {
  return one(
    db,
    sql`insert into deletion_tombstones (user_id, entity_type, entity_id, snapshot, expires_at, restored_at)
        values (${userId}, 'task', gen_random_uuid(), '{"title":"gone"}'::jsonb, ${expiresAt}::timestamptz, ${restoredAt}::timestamptz)
        returning id`,
  );
}

/**
 * An outbox row that the minute relay never picks up (available_at a year after the real now, or already
 * sent), whatever instant the rows are seeded for.
 */
async function outboxRow(db: Database, userId: string, sentAt: string | null, from: number): Promise<string> {
  return one(
    db,
    sql`insert into outbox (user_id, topic, message, created_at, available_at, sent_at)
        values (${userId}, 'reminders', ${JSON.stringify({ type: "reminder_fire", reminder_id: crypto.randomUUID(), user_id: crypto.randomUUID(), remind_at: new Date().toISOString() })}::jsonb,
                ${isoAgo(30 * DAY_MS, from)}::timestamptz, ${isoAgo(-365 * DAY_MS)}::timestamptz, ${sentAt}::timestamptz)
        returning id`,
  );
}

/**
 * Rows on both sides of every retention rule as of `from` (default: now). A job triggered for a past instant
 * acts as of that instant, so tests seed for a past instant: rows of other tests (all newer) stay untouched.
 */
export async function seedRetentionRows(db: Database, userId: string, from = Date.now()): Promise<RetentionRows> {
  const oldSession = await revokedSession(db, userId, 8 * DAY_MS, from);
  const recentSession = await revokedSession(db, userId, 1 * DAY_MS, from);
  const expiredToken = await refreshToken(db, userId, recentSession.session, { expiresAt: isoAgo(8 * DAY_MS, from), revokedAt: null });
  const liveToken = await refreshToken(db, userId, recentSession.session, { expiresAt: isoAgo(-7 * DAY_MS, from), revokedAt: null });
  return {
    expired: {
      idempotency_records: [await idempotencyRecord(db, userId, isoAgo(25 * HOUR_MS, from))],
      auth_sessions: [oldSession.session],
      refresh_tokens: [oldSession.token, expiredToken],
      deletion_tombstones: [
        await tombstone(db, userId, isoAgo(HOUR_MS, from), null),
        await tombstone(db, userId, isoAgo(-20 * DAY_MS, from), isoAgo(HOUR_MS, from)),
      ],
      outbox: [await outboxRow(db, userId, isoAgo(8 * DAY_MS, from), from)],
    },
    kept: {
      idempotency_records: [await idempotencyRecord(db, userId, isoAgo(HOUR_MS, from))],
      auth_sessions: [recentSession.session],
      refresh_tokens: [recentSession.token, liveToken],
      deletion_tombstones: [await tombstone(db, userId, isoAgo(-20 * DAY_MS, from), null)],
      outbox: [await outboxRow(db, userId, isoAgo(DAY_MS, from), from), await outboxRow(db, userId, null, from)],
    },
  };
}

/** Which of `ids` still exist in `table` (idempotency records are keyed by (user_id, key)). */
export async function existing(db: Database, table: RetentionTable, userId: string, ids: string[]): Promise<string[]> {
  const column = table === "idempotency_records" ? sql.raw("key") : sql.raw("id::text");
  const found = await rows<{ id: string }>(
    db,
    sql`select ${column} as id from ${sql.identifier(table)}
        where user_id = ${userId} and ${column} = any(${`{${ids.join(",")}}`}::text[])`,
  );
  return found.map((row) => row.id).sort();
}
