import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  out: "./migrations",
  migrations: { prefix: "index" },
  schema: "./src/db/schema",
});
