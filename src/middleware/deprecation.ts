import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { deprecationHeaders } from "../lib/deprecation";
import { metrics } from "../services/metrics/recorder";
import { matchedRoute } from "./logging";
import { routeFlags } from "./route-flags";

/**
 * docs/deprecation.md: every response of a deprecated operation (routes/define-route.ts `deprecated`) carries
 * `Deprecation` (RFC 9745), `Sunset` (RFC 8594) and `Link: <successor>; rel="successor-version"` (RFC 8288), and
 * is counted in `http_deprecated_requests_total` by method and route template, so an operator sees who still
 * calls it. It sits outside authentication, rate limits and idempotency, so their answers (401, 429, a replay)
 * carry the headers too: the router matched the operation before any of them ran. CORS exposes the three
 * names (middleware/cors.ts). A request that matched no operation (404/405) is not deprecated.
 */
export const deprecation = (apiPrefix: string) =>
  createMiddleware<AppEnv>(async (c, next) => {
    await next();
    const declared = routeFlags(c, apiPrefix)?.deprecated;
    if (declared === undefined) return;
    const headers = deprecationHeaders(declared);
    c.res.headers.set("Deprecation", headers.Deprecation);
    c.res.headers.set("Sunset", headers.Sunset);
    // Link may carry other relations already; the successor is one more.
    c.res.headers.append("Link", headers.Link);
    metrics.count("http_deprecated_requests_total", { method: c.req.method, route: matchedRoute(c) });
  });
