import { configSchema } from "../../src/env.ts";
import type { Vars } from "../lib/dev-vars.ts";

/**
 * The configuration `npm run dev` hands the Worker (docs/configuration.md): local defaults, overlaid by `.dev.vars`,
 * overlaid by the process environment for any docs/configuration.md variable. What the runner derives itself
 * (DATABASE_URL of the embedded database, NEON_FETCH_ENDPOINT, the dev signing key) only fills gaps: a
 * value configured in either layer always wins.
 */

/** The slice of the zod schema in src/env.ts this script uses. */
export interface ConfigSchema {
  shape: Record<string, unknown>;
  safeParse(input: unknown): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } };
}

/** The Worker's own variable schema (src/env.ts): the keys and validation the dev tools merge against. */
export async function loadConfigSchema(_root: string): Promise<ConfigSchema> {
  return configSchema;
}

/** Defaults that differ from the Worker's own (src/env.ts holds every other default). */
export const LOCAL_DEFAULTS: Vars = {
  ENVIRONMENT: "development",
  // The usual local frontend dev servers (Next.js, Vite).
  CORS_ORIGINS: "http://localhost:3000,http://localhost:5173",
};

export type Source = "default" | ".dev.vars" | "environment";

export interface ResolvedConfig {
  vars: Vars;
  /** Where each variable's value came from. */
  sources: Record<string, Source>;
  /** `.dev.vars` keys the schema does not know (typos, stale names); passed through, but worth a warning. */
  unknownKeys: string[];
}

export function resolveConfig(options: {
  keys: readonly string[];
  devVars: Vars | undefined;
  env: NodeJS.ProcessEnv;
}): ResolvedConfig {
  const known = new Set(options.keys);
  const vars: Vars = {};
  const sources: Record<string, Source> = {};
  const set = (key: string, value: string, source: Source) => {
    vars[key] = value;
    sources[key] = source;
  };
  for (const [key, value] of Object.entries(LOCAL_DEFAULTS)) set(key, value, "default");
  for (const [key, value] of Object.entries(options.devVars ?? {})) set(key, value, ".dev.vars");
  for (const key of options.keys) {
    const value = options.env[key];
    if (value !== undefined) set(key, value, "environment");
  }
  const unknownKeys = Object.keys(options.devVars ?? {}).filter((key) => !known.has(key));
  return { vars, sources, unknownKeys };
}

/** A value counts as configured when it is non-blank (the Worker treats blank as unset, src/env.ts). */
export function configured(vars: Vars, key: string): string | undefined {
  const value = vars[key];
  return value === undefined || value.trim() === "" ? undefined : value;
}

/** Validates like the Worker's loadConfig (blank = unset), so a bad value stops here with its name. */
export function validateConfig(schema: ConfigSchema, vars: Vars): string[] {
  const raw: Vars = {};
  for (const key of Object.keys(schema.shape)) {
    const value = configured(vars, key);
    if (value !== undefined) raw[key] = value;
  }
  const result = schema.safeParse(raw);
  if (result.success) return [];
  return (result.error?.issues ?? []).map((issue) => `${String(issue.path[0] ?? "(config)")}: ${issue.message}`);
}

/** PORT from the process environment (docs/configuration.md), default 8787. */
export function resolvePort(env: NodeJS.ProcessEnv): number {
  const raw = env.PORT;
  if (raw === undefined || raw.trim() === "") return 8787;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new Error(`PORT must be 1–65535, got ${JSON.stringify(raw)}`);
  return port;
}
