import pg from "pg";
import journal from "../../migrations/meta/_journal.json" with { type: "json" };
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { expectedMigration, migrate } from "../../scripts/lib/migrate.ts";

/** Migrations on an empty database, then an idempotent re-run (foundation issue, item 7). */
const adminUrl = inject("databaseUrl").replace(/\/[^/]+$/, "/postgres");
const database = `migrations_${process.pid}_${Date.now()}`;
const url = adminUrl.replace(/\/postgres$/, `/${database}`);

async function query<T extends pg.QueryResultRow>(text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

// Everything a migration can change, as text, to compare before and after a re-run.
const schemaFingerprint = () =>
  query<{ item: string }>(`
    select 'col ' || table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') as item
      from information_schema.columns where table_schema = 'public'
    union all select 'con ' || conrelid::regclass || ' ' || conname || ' ' || pg_get_constraintdef(oid)
      from pg_constraint where connamespace = 'public'::regnamespace
    union all select 'idx ' || indexname || ' ' || indexdef from pg_indexes where schemaname = 'public'
    union all select 'trg ' || event_object_table || ' ' || trigger_name || ' ' || event_manipulation
      from information_schema.triggers where trigger_schema = 'public'
    order by 1`);

beforeAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
});

afterAll(async () => {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${database} with (force)`);
  await admin.end();
});

describe("migrations", () => {
  it("apply in order to an empty database – the eight domain migrations first – then a re-run changes nothing", async () => {
    const first = await migrate(url);
    expect(first.applied.slice(0, 8)).toEqual([
      "0001_initial_schema",
      "0002_tasks",
      "0003_notes_reminders",
      "0004_achievements_focus",
      "0005_credits_billing",
      "0006_ai",
      "0007_platform",
      "0008_indexes",
    ]);
    expect(first.applied).toEqual(journal.entries.map((entry) => entry.tag));
    const before = await schemaFingerprint();
    const seeded = await query<{ n: string }>("select count(*)::text as n from achievement_definitions");

    const second = await migrate(url);
    expect(second.applied).toEqual([]);
    expect(await schemaFingerprint()).toEqual(before);
    expect(await query<{ n: string }>("select count(*)::text as n from achievement_definitions")).toEqual(seeded);

    const recorded = await query<{ n: string; last: string }>("select count(*)::text as n, max(created_at)::text as last from drizzle.__drizzle_migrations");
    expect(recorded).toEqual([{ n: String(expectedMigration().count), last: String(expectedMigration().lastWhen) }]);
  });

  it("create every table the SPEC names, with the full-text index and the seeded catalogue", async () => {
    const tables = (await query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = 'public' order by 1")).map((r) => r.table_name);
    for (const name of [
      "users", "auth_sessions", "refresh_tokens", "task_templates", "task_instances", "subtasks", "tags", "task_tags", "notes", "reminders",
      "achievement_definitions", "user_achievement_states", "user_achievements", "focus_sessions", "credit_lots", "credit_ledger",
      "subscriptions", "webhook_events", "ai_interactions", "ai_suggestions", "activity_log", "deletion_tombstones", "notifications",
      "push_subscriptions", "idempotency_records", "outbox", "job_runs",
    ]) {
      expect(tables).toContain(name);
    }
    const gin = await query<{ indexdef: string }>("select indexdef from pg_indexes where tablename = 'task_instances' and indexdef ilike '%using gin%'");
    expect(gin.map((r) => r.indexdef).join()).toContain("search");
    const ids = (await query<{ id: string }>("select id from achievement_definitions order by id")).map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(["tasks_5", "tasks_25", "tasks_100", "streak_3", "streak_7", "streak_30", "focus_10", "notes_converted_5"]));
  });
});
