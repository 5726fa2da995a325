/**
 * The whole database schema (drizzle pg-core), one file per domain. drizzle-kit reads this folder
 * (src/db/drizzle.config.ts); the Worker's db client passes `import * as schema from "./schema"`.
 */
export * from "./columns";
export * from "./identity";
export * from "./tasks";
export * from "./tags";
export * from "./notes";
export * from "./reminders";
export * from "./achievements";
export * from "./focus";
export * from "./credits";
export * from "./billing";
export * from "./ai";
export * from "./activity";
export * from "./notifications";
export * from "./platform";
