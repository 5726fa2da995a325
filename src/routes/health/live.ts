import { z } from "@hono/zod-openapi";
import type { AppRouter } from "../router";
import { dataEnvelope, defineRoute } from "../define-route";

const route = defineRoute({
  method: "get",
  path: "/health/live",
  access: "public",
  tags: ["Operations"],
  summary: "Liveness: the process is up",
  description: "No I/O, no authentication, not rate limited (docs/operations.md).",
  database: false,
  responses: {
    200: {
      description: "The Worker answers.",
      content: {
        "application/json": {
          schema: dataEnvelope(z.object({ status: z.literal("live") })).openapi({ example: { data: { status: "live" } } }),
        },
      },
    },
  },
});

export function registerLive(router: AppRouter): void {
  router.openapi(route, (c) => c.json({ data: { status: "live" as const } }, 200));
}
