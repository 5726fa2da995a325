import { neon, type NeonQueryFunction } from "@neondatabase/serverless";
import { describe, expect, it } from "vitest";
import { sql } from "drizzle-orm";
import { createDb, newDbTrace, type DbTrace } from "../../../src/db/client";
import { databaseUrl, neonEndpoint } from "../../support/env";
import { clearFault, injectFault, roundTrips, roundTripSpans } from "../../support/neon-control";
import { newRequestId } from "../../support/requests";

/**
 * The local Neon endpoint speaks Neon's `/sql` protocol faithfully enough that the real driver, running in
 * workerd as in production, behaves the same: these tests go through @neondatabase/serverless itself.
 */
function client(): { sql: NeonQueryFunction<false, false>; trace: DbTrace } {
  const trace = newDbTrace(newRequestId("neon"), neonEndpoint());
  return { sql: neon(databaseUrl(), { fetchOptions: { perpetuaTrace: trace } }), trace };
}

async function scratchTable(sql: NeonQueryFunction<false, false>): Promise<string> {
  const name = `scratch_${crypto.randomUUID().replaceAll("-", "")}`;
  await sql.query(`create table ${name} (id int primary key, label text not null check (label <> ''))`);
  return name;
}

describe("local Neon endpoint protocol", () => {
  it("runs a single parameterised query and counts one round trip", async () => {
    const { sql, trace } = client();
    const rows = await sql`select ${41}::int + 1 as answer, ${"x"}::text as label`;
    expect(rows).toEqual([{ answer: 42, label: "x" }]);
    expect(trace.roundTrips).toBe(1);
    expect(await roundTrips(trace.requestId)).toBe(1);
  });

  it("commits a batch as one transaction in one round trip", async () => {
    const { sql, trace } = client();
    const table = await scratchTable(sql);
    const [, , count] = await sql.transaction([
      sql.query(`insert into ${table} values (1, 'a')`),
      sql.query(`insert into ${table} values (2, 'b')`),
      sql.query(`select count(*)::int as n from ${table}`),
    ]);
    expect(count).toEqual([{ n: 2 }]);
    expect(trace.roundTrips).toBe(2);
    expect(await sql.query(`select label from ${table} order by id`)).toEqual([{ label: "a" }, { label: "b" }]);
  });

  it("rolls the whole batch back when one statement fails", async () => {
    const { sql } = client();
    const table = await scratchTable(sql);
    await expect(
      sql.transaction([sql.query(`insert into ${table} values (1, 'a')`), sql.query(`insert into ${table} values (1, 'duplicate')`)]),
    ).rejects.toMatchObject({ code: "23505" });
    expect(await sql.query(`select count(*)::int as n from ${table}`)).toEqual([{ n: 0 }]);
  });

  it("answers a long batch in order, every statement inside the same transaction", async () => {
    const { sql } = client();
    const table = await scratchTable(sql);
    const ids = Array.from({ length: 10 }, (_, index) => index + 1);
    const results = await sql.transaction([
      ...ids.map((id) => sql.query(`insert into ${table} values ($1, $2) returning id, txid_current()::text as tx`, [id, `n${id}`])),
      sql.query(`select count(*)::int as n from ${table}`),
    ]);
    expect(results.slice(0, -1).map((rows) => rows[0]?.id)).toEqual(ids);
    expect(new Set(results.slice(0, -1).map((rows) => rows[0]?.tx)).size).toBe(1);
    expect(results.at(-1)).toEqual([{ n: 10 }]);
  });

  it("reports the first failing statement, not the aborted ones behind it, and leaves no transaction open", async () => {
    const { sql } = client();
    const table = await scratchTable(sql);
    const failing = () =>
      sql.transaction([
        sql.query(`insert into ${table} values (1, 'a')`),
        sql.query(`insert into ${table} values (2, '')`),
        sql.query(`insert into ${table} values (3, 'c')`),
        sql.query(`select count(*)::int as n from ${table}`),
      ]);
    const errors = await Promise.all(Array.from({ length: 6 }, () => failing().catch((error: unknown) => error)));
    for (const error of errors) expect(error).toMatchObject({ code: "23514", constraint: `${table}_label_check` });
    expect(await sql.query(`select count(*)::int as n from ${table}`)).toEqual([{ n: 0 }]);
    // The pooled connections those batches used serve the next queries in autocommit, not inside a leftover transaction.
    const after = await Promise.all(Array.from({ length: 12 }, () => sql.query("select txid_current_if_assigned() as tx")));
    expect(after.flat()).toEqual(Array.from({ length: 12 }, () => ({ tx: null })));
  });

  it("rolls back a batch whose COMMIT fails (a deferred constraint) and reports that error", async () => {
    const { sql } = client();
    const name = `deferred_${crypto.randomUUID().replaceAll("-", "")}`;
    await sql.query(`create table ${name} (id int, constraint ${name}_id_key unique (id) deferrable initially deferred)`);
    await expect(
      sql.transaction([sql.query(`insert into ${name} values (1)`), sql.query(`insert into ${name} values (1)`)]),
    ).rejects.toMatchObject({ code: "23505", constraint: `${name}_id_key` });
    expect(await sql.query(`select count(*)::int as n from ${name}`)).toEqual([{ n: 0 }]);
  });

  it("opens the batch's transaction with the isolation level and read-only mode the headers ask for", async () => {
    const { sql } = client();
    const table = await scratchTable(sql);
    const [levels] = await sql.transaction([sql.query("select current_setting('transaction_isolation') as level")], {
      isolationLevel: "Serializable",
    });
    expect(levels).toEqual([{ level: "serializable" }]);
    await expect(sql.transaction([sql.query(`insert into ${table} values (1, 'a')`)], { readOnly: true })).rejects.toMatchObject({
      code: "25006",
    });
  });

  it("holds a delayed round trip for its whole delay and answers it normally", async () => {
    const { sql, trace } = client();
    const id = await injectFault({ mode: "delay", request_id: trace.requestId, delay_ms: 40 });
    try {
      expect(await sql`select ${7}::int as n`).toEqual([{ n: 7 }]);
      expect(await sql.transaction([sql.query("select 1 as one")])).toEqual([[{ one: 1 }]]);
    } finally {
      await clearFault(id);
    }
    // The last 2 ms are waited out turn by turn (sql-handler.ts delayPrecisely): never shorter than asked.
    const spans = await roundTripSpans(trace.requestId);
    expect(spans).toHaveLength(2);
    for (const span of spans) expect(span.answered_at - span.arrived_at).toBeGreaterThanOrEqual(40);
  });

  it("maps Postgres error fields onto the driver's error", async () => {
    const { sql } = client();
    const table = await scratchTable(sql);
    await sql.query(`insert into ${table} values (1, 'a')`);
    const duplicate = await sql.query(`insert into ${table} values (1, 'b')`).catch((error: unknown) => error);
    expect(duplicate).toMatchObject({
      code: "23505",
      severity: "ERROR",
      constraint: `${table}_pkey`,
      table,
      schema: "public",
      detail: "Key (id)=(1) already exists.",
    });
    const check = await sql.query(`insert into ${table} values (2, '')`).catch((error: unknown) => error);
    expect(check).toMatchObject({ code: "23514", constraint: `${table}_label_check` });
    const syntax = await sql.query("selec 1").catch((error: unknown) => error);
    expect(syntax).toMatchObject({ code: "42601", position: "1" });
  });

  it("round-trips timestamptz, date, jsonb, text[], bigint, numeric, bytea and null through drizzle", async () => {
    // The production path: drizzle's neon-http driver (which sets the driver's date/time parsers to strings).
    const trace = newDbTrace(newRequestId("types"), neonEndpoint());
    const db = createDb(databaseUrl(), trace);
    const result = await db.execute<Record<string, unknown>>(sql`
      select ${"2026-03-01T09:00:00Z"}::timestamptz as at, ${"2026-03-29"}::date as day,
             ${JSON.stringify({ a: [1, "two", null], b: { c: true } })}::jsonb as doc,
             ${sql.raw("array['work', 'it''s, \"quoted\"']::text[]")} as tags,
             ${"9007199254740993"}::bigint as big, ${"12345.678900"}::numeric as amount,
             ${"\\x0001feff"}::bytea as bytes, ${null}::text as nothing`);
    const row = result.rows[0] ?? {};
    expect(new Date(String(row.at)).toISOString()).toBe("2026-03-01T09:00:00.000Z");
    expect(row.day).toBe("2026-03-29");
    expect(row.doc).toEqual({ a: [1, "two", null], b: { c: true } });
    expect(row.tags).toEqual(["work", 'it\'s, "quoted"']);
    expect(row.big).toBe("9007199254740993");
    expect(row.amount).toBe("12345.678900");
    expect([...(row.bytes as Uint8Array)]).toEqual([0, 1, 254, 255]);
    expect(row.nothing).toBeNull();
    expect(trace.roundTrips).toBe(1);
  });
});
