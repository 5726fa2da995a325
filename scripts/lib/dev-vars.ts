import { readFileSync } from "node:fs";

/**
 * The dotenv-style files wrangler reads for local variables, seen exactly as wrangler 4 sees them:
 *
 * - `.dev.vars` is parsed with dotenv's `parse` and nothing else (no `$VAR` expansion).
 * - A file passed with `--env-file` is parsed the same way and then run through dotenv-expand, which
 *   substitutes `$NAME` / `${NAME}` and turns `\$` into `$`. Passing `--env-file` also makes wrangler skip
 *   `.dev.vars` (and `.env`) entirely, so a merged file written here is the Worker's only variable source
 *   besides `[vars]` in wrangler.toml, which it overrides.
 *
 * Both rules were read from wrangler 4.156's bundled code (getVarsForDev, loadDotEnv); `encodeEnvFile`
 * checks its own output against `decodeEnvFile` so a value that would not survive is refused, not mangled.
 */
export type Vars = Record<string, string>;

// dotenv's line grammar (dotenv 16/17 `parse`, the one wrangler bundles): KEY=value, KEY="…", KEY='…',
// KEY=`…` (quoted values may span lines), `export ` prefix, trailing `# comments`.
const LINE =
  /(?:^|^)\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?(?:$|$)/gm;

/** Parses dotenv text the way wrangler parses `.dev.vars`. */
export function parseDevVars(text: string): Vars {
  const vars: Vars = {};
  const lines = text.replace(/\r\n?/gm, "\n");
  for (const match of lines.matchAll(LINE)) {
    const key = match[1];
    if (key === undefined) continue;
    let value = (match[2] ?? "").trim();
    const quote = value[0];
    value = value.replace(/^(['"`])([\s\S]*)\1$/gm, "$2");
    if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\r/g, "\r");
    vars[key] = value;
  }
  return vars;
}

/** `.dev.vars` (or any dotenv file) as a record, or undefined when the file does not exist. */
export function readDevVars(path: string): Vars | undefined {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
  return parseDevVars(text);
}

/** What wrangler makes of a file passed with `--env-file`: dotenv parse, then dotenv-expand's `\$` rule. */
export function decodeEnvFile(text: string): Vars {
  const vars = parseDevVars(text);
  for (const [key, value] of Object.entries(vars)) vars[key] = value.replace(/\\\$/g, "$");
  return vars;
}

function quote(key: string, value: string): string {
  // Every `$` is escaped so dotenv-expand substitutes nothing; it turns each `\$` back into `$`.
  const escaped = value.replace(/\$/g, "\\$");
  // Single and backtick quotes keep their content verbatim (newlines included); double quotes would turn
  // a literal `\n` into a newline, so they are the last resort and only for values without backslashes.
  if (!escaped.includes("'")) return `'${escaped}'`;
  if (!escaped.includes("`")) return `\`${escaped}\``;
  if (!escaped.includes('"') && !/[\\\n\r]/.test(value)) return `"${escaped}"`;
  throw new Error(`${key}: the value mixes ' \` and " quotes; wrangler's env-file format cannot carry it`);
}

/**
 * Renders variables for `wrangler dev --env-file`. Throws if any value would not read back unchanged
 * (names are limited to dotenv's `[\w.-]+`).
 */
export function encodeEnvFile(vars: Vars): string {
  const lines: string[] = [];
  for (const [key, value] of Object.entries(vars)) {
    if (!/^[\w.-]+$/.test(key)) throw new Error(`${JSON.stringify(key)} is not a valid variable name`);
    lines.push(`${key}=${quote(key, value)}`);
  }
  const text = `${lines.join("\n")}\n`;
  const decoded = decodeEnvFile(text);
  for (const [key, value] of Object.entries(vars)) {
    if (decoded[key] !== value) throw new Error(`${key}: the value does not survive wrangler's env-file parser`);
  }
  return text;
}
