import { z } from "@hono/zod-openapi";
import { ApiError } from "../../errors/api-error";
import { scrapeMetrics } from "../../services/metrics/scrape";
import { PROMETHEUS_CONTENT_TYPE } from "../../services/metrics/render";
import type { AppRouter } from "../router";
import { defineRoute } from "../define-route";

const route = defineRoute({
  method: "get",
  path: "/metrics",
  access: "public",
  tags: ["Operations"],
  summary: "Prometheus metrics, summed across isolates",
  description:
    "docs/operations.md#metrics. Prometheus text format (0.0.4) of every metric in the catalogue, summed over every isolate's flushed deltas. `Authorization: Bearer <METRICS_TOKEN>`; wrong or missing → 401; with no METRICS_TOKEN configured the endpoint does not exist (404). Not rate limited; no database access.",
  database: false,
  errors: ["NOT_FOUND", "UNAUTHORIZED"],
  request: {
    headers: z.object({ authorization: z.string().max(512).optional().openapi({ example: "Bearer <METRICS_TOKEN>" }) }),
  },
  responses: {
    200: {
      description: "The exposition.",
      content: {
        "text/plain": {
          schema: z.string().openapi({
            example:
              '# HELP http_requests_total Responses by method, route template and status.\n# TYPE http_requests_total counter\nhttp_requests_total{method="GET",route="/api/v1/tasks",status="200"} 12\n',
          }),
        },
      },
    },
  },
});

export function mountMetrics(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const token = c.get("config").METRICS_TOKEN;
    if (token === undefined) throw new ApiError("NOT_FOUND", { message: "No such route." });
    if (!(await bearerMatches(c.req.valid("header").authorization, token))) {
      throw new ApiError("UNAUTHORIZED", { message: "Metrics need Authorization: Bearer <METRICS_TOKEN>." });
    }
    c.set("logOutcome", "scraped");
    return c.text(await scrapeMetrics(c.env), 200, { "Content-Type": PROMETHEUS_CONTENT_TYPE });
  });
}

/** Constant-time comparison of the presented bearer with the configured token (both hashed to equal length). */
async function bearerMatches(header: string | undefined, token: string): Promise<boolean> {
  const presented = header?.startsWith("Bearer ") === true ? header.slice("Bearer ".length) : "";
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([presented, token].map(async (text) => await crypto.subtle.digest("SHA-256", encoder.encode(text))));
  if (a === undefined || b === undefined) return false;
  return crypto.subtle.timingSafeEqual(a, b) && presented !== "";
}
