import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { errorResponse } from "../errors/envelope";
import type { AppRouter } from "./router";

interface RoutePattern {
  method: string;
  pattern: RegExp;
}

/**
 * 404 for unknown paths and 405 (with `Allow`) for a known path with the wrong method, both as JSON
 * envelopes. Hono itself answers 404 for both, so the patterns of the registered operations are compiled
 * once and consulted only on this cold path.
 */
export function createFallback(app: AppRouter): (c: Context<AppEnv>) => Response {
  let patterns: RoutePattern[] | undefined;
  return (c) => {
    patterns ??= app.routes
      .filter((route) => route.method !== "ALL")
      .map((route) => ({ method: route.method, pattern: compile(route.path) }));
    const allowed = [...new Set(patterns.filter((p) => p.pattern.test(c.req.path)).map((p) => p.method))];
    if (allowed.length > 0) {
      if (allowed.includes("GET")) allowed.push("HEAD");
      return errorResponse(c, "METHOD_NOT_ALLOWED", 405, `Use ${allowed.join(", ")} on this resource.`, undefined, {
        Allow: allowed.join(", "),
      });
    }
    return errorResponse(c, "NOT_FOUND", 404, `No route for ${c.req.method} ${c.req.path}.`);
  };
}

function compile(path: string): RegExp {
  const source = path
    .split("/")
    .map((segment) => (segment.startsWith(":") ? "[^/]+" : segment === "*" ? ".*" : escape(segment)))
    .join("/");
  return new RegExp(`^${source}/?$`);
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
