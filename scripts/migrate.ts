/**
 * `npm run db:migrate [-- --url <postgres-url>]`: applies pending migrations to DATABASE_URL (or --url)
 * and prints what it applied. Exit code 1 (with the database unchanged) when a migration fails.
 * With Neon, use the direct (non-pooled) connection string.
 */
import { parseArgs } from "node:util";
import { migrate } from "./lib/migrate.ts";

const { values } = parseArgs({ options: { url: { type: "string" } }, strict: true });
const databaseUrl = values.url ?? process.env.DATABASE_URL;

if (databaseUrl === undefined || databaseUrl === "") {
  console.error("migrate: set DATABASE_URL or pass --url <postgres connection string>");
  process.exit(1);
}

try {
  const { applied } = await migrate(databaseUrl, { log: (line) => console.log(`migrate: ${line}`) });
  console.log(applied.length === 0 ? "migrate: nothing to apply" : `migrate: done (${applied.length} applied)`);
} catch (error) {
  console.error(`migrate: failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
