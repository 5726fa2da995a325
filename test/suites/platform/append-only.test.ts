import { beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../../src/db/client";
import { insertUser, pgError, rows, sql, testDb } from "./database";

/**
 * activity_log, credit_ledger and ai_interactions are append-only (migrations 0005–0007, trigger function
 * perpetua_refuse_append_only_change from 0001): UPDATE and TRUNCATE are always refused; DELETE only inside a
 * transaction that opted in with `perpetua.allow_purge` (retention purge, account deletion).
 */
type Table = "activity_log" | "credit_ledger" | "ai_interactions";

interface Fixture {
  table: Table;
  /** Inserts one row for the user and returns its id. */
  insert(db: Database, userId: string): Promise<string>;
  /** An UPDATE of that row that would be harmless on an ordinary table. */
  update(id: string): ReturnType<typeof sql>;
}

async function insertReturningId(db: Database, query: ReturnType<typeof sql>): Promise<string> {
  const [row] = await rows<{ id: string }>(db, query);
  if (!row) throw new Error("insert returned no row");
  return row.id;
}

const fixtures: Fixture[] = [
  {
    table: "activity_log",
    insert: (db, userId) =>
      insertReturningId(
        db,
        sql`insert into activity_log (user_id, entity_type, entity_id, action, actor, changes)
            values (${userId}, 'task', gen_random_uuid(), 'created', 'user', '{"title":"x"}'::jsonb) returning id`,
      ),
    update: (id) => sql`update activity_log set action = 'rewritten' where id = ${id}`,
  },
  {
    table: "credit_ledger",
    insert: (db, userId) =>
      insertReturningId(
        db,
        sql`with lot as (
              insert into credit_lots (user_id, kind, amount, remaining, source)
              values (${userId}, 'purchased', 5, 5, 'test') returning id
            )
            insert into credit_ledger (user_id, lot_id, kind, amount, balance_after, reason)
            select ${userId}, id, 'grant', 5, 5, 'test_grant' from lot returning id`,
      ),
    update: (id) => sql`update credit_ledger set amount = 500, balance_after = 500 where id = ${id}`,
  },
  {
    table: "ai_interactions",
    insert: (db, userId) =>
      insertReturningId(
        db,
        sql`insert into ai_interactions (user_id, kind, outcome, credits) values (${userId}, 'chat', 'success', 1) returning id`,
      ),
    update: (id) => sql`update ai_interactions set credits = 0 where id = ${id}`,
  },
];

const allowPurge = sql`select set_config('perpetua.allow_purge', 'on', true)`;

describe.each(fixtures)("$table is append-only", ({ table, insert, update }) => {
  let db: Database;
  let userId: string;

  beforeAll(async () => {
    db = testDb(`append-only-${table}`);
    userId = await insertUser(db);
  });

  const count = async (id: string): Promise<number> => {
    const [row] = await rows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)} where id = ${id}`);
    return row?.n ?? -1;
  };

  it("refuses UPDATE with a clear error and leaves the row unchanged", async () => {
    const id = await insert(db, userId);
    const before = await rows(db, sql`select * from ${sql.identifier(table)} where id = ${id}`);
    const error = await pgError(db.execute(update(id)));
    expect(error).toMatchObject({ code: "P0001", message: `${table} is append-only: UPDATE refused`, hint: "Rows of this table are never changed." });
    expect(await rows(db, sql`select * from ${sql.identifier(table)} where id = ${id}`)).toEqual(before);
  });

  it("refuses DELETE unless the transaction opted in to a purge", async () => {
    const id = await insert(db, userId);
    const error = await pgError(db.execute(sql`delete from ${sql.identifier(table)} where id = ${id}`));
    expect(error).toMatchObject({ code: "P0001", message: `${table} is append-only: DELETE refused` });
    expect(error.hint).toContain("perpetua.allow_purge");
    expect(await count(id)).toBe(1);
  });

  it("refuses TRUNCATE", async () => {
    const id = await insert(db, userId);
    const error = await pgError(db.execute(sql`truncate ${sql.identifier(table)}`));
    expect(error).toMatchObject({ code: "P0001", message: `${table} is append-only: TRUNCATE refused` });
    expect(await count(id)).toBe(1);
  });

  it("allows DELETE in a batch that first sets perpetua.allow_purge, for that transaction only", async () => {
    const id = await insert(db, userId);
    const [, deleted] = await db.batch([
      db.execute(allowPurge),
      db.execute<{ id: string }>(sql`delete from ${sql.identifier(table)} where id = ${id} returning id`),
    ]);
    expect(deleted.rows).toEqual([{ id }]);
    expect(await count(id)).toBe(0);

    // set_config(..., true) is transaction-local: the next round trip is refused again.
    const other = await insert(db, userId);
    const error = await pgError(db.execute(sql`delete from ${sql.identifier(table)} where id = ${other}`));
    expect(error).toMatchObject({ code: "P0001", message: `${table} is append-only: DELETE refused` });
    expect(await count(other)).toBe(1);
  });

  it("refuses UPDATE even with perpetua.allow_purge, and rolls the whole batch back", async () => {
    const id = await insert(db, userId);
    const error = await pgError(db.batch([db.execute(allowPurge), db.execute(update(id))]));
    expect(error).toMatchObject({ code: "P0001", message: `${table} is append-only: UPDATE refused` });
    expect(await count(id)).toBe(1);
  });
});

describe("account deletion reaches append-only rows through ON DELETE CASCADE", () => {
  it("is refused without the purge opt-in and succeeds with it", async () => {
    const db = testDb("append-only-cascade");
    const userId = await insertUser(db);
    for (const fixture of fixtures) await fixture.insert(db, userId);

    const refused = await pgError(db.execute(sql`delete from users where id = ${userId}`));
    expect(refused).toMatchObject({ code: "P0001" });
    expect(refused.message).toMatch(/is append-only: DELETE refused$/);

    await db.batch([db.execute(allowPurge), db.execute(sql`delete from users where id = ${userId}`)]);
    for (const { table } of fixtures) {
      const [row] = await rows<{ n: number }>(db, sql`select count(*)::int as n from ${sql.identifier(table)} where user_id = ${userId}`);
      expect(row?.n, table).toBe(0);
    }
  });
});
