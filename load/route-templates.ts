import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The API's route templates, from the committed contract (contracts/openapi.json): what a metric's `route`
 * label may be, and how a bench request is named in the per-operation figures (`GET /api/v1/tasks/{id}`
 * for `GET /api/v1/tasks/3f0a…?limit=5`).
 */
export interface RouteTemplate {
  method: string;
  /** As the contract writes it: `/api/v1/tasks/{id}`. */
  path: string;
  /** As Hono matches it and the metrics label it: `/api/v1/tasks/:id`. */
  honoPath: string;
}

/**
 * Routes the Worker serves outside the contract's `paths` (src/app.ts: the OpenAPI document and its rendering,
 * registered with `app.doc31` / `app.get`), and the one label of everything unmatched (src/middleware/logging.ts).
 */
export const ROUTES_OUTSIDE_THE_CONTRACT: readonly string[] = ["/openapi.json", "/docs", "(unmatched)"];

const contractPath = join(fileURLToPath(new URL("..", import.meta.url)), "contracts", "openapi.json");

/** Every operation of an OpenAPI document (`paths` → method → operation). */
export function routeTemplatesOf(document: unknown): RouteTemplate[] {
  if (!isRecord(document) || !isRecord(document.paths)) throw new Error("not an OpenAPI document: no paths");
  const templates: RouteTemplate[] = [];
  for (const [path, operations] of Object.entries(document.paths)) {
    if (!isRecord(operations)) continue;
    for (const method of Object.keys(operations)) {
      if (!HTTP_METHODS.has(method)) continue;
      templates.push({ method: method.toUpperCase(), path, honoPath: path.replace(/\{([^}]+)\}/g, ":$1") });
    }
  }
  return templates;
}

let loaded: RouteTemplate[] | undefined;

/** The committed contract's templates (read once). */
export function contractRouteTemplates(): RouteTemplate[] {
  loaded ??= routeTemplatesOf(JSON.parse(readFileSync(contractPath, "utf8")));
  return loaded;
}

/**
 * The template a concrete request matches: `method` + path without its query, segment by segment, a literal
 * segment before a parameter (`/tasks/{id}/complete` and `/templates/{id}/skip` never swallow each other).
 * Undefined when nothing matches.
 */
export function matchTemplate(templates: readonly RouteTemplate[], method: string, rawPath: string): RouteTemplate | undefined {
  const segments = rawPath.split("?")[0]?.split("/") ?? [];
  let best: { template: RouteTemplate; literals: number } | undefined;
  for (const template of templates) {
    if (template.method !== method.toUpperCase()) continue;
    const pattern = template.path.split("/");
    if (pattern.length !== segments.length) continue;
    let literals = 0;
    const fits = pattern.every((part, index) => {
      if (part.startsWith("{") && part.endsWith("}")) return (segments[index] ?? "") !== "";
      literals += 1;
      return part === segments[index];
    });
    if (fits && (best === undefined || literals > best.literals)) best = { template, literals };
  }
  return best?.template;
}

/** `METHOD /template` of a request, or `METHOD (no template)` – the key of the per-operation figures. */
export function operationName(method: string, rawPath: string): string {
  const template = matchTemplate(contractRouteTemplates(), method, rawPath);
  return `${method.toUpperCase()} ${template?.path ?? "(no template)"}`;
}

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
