import { z } from "@hono/zod-openapi";
import { ApiError } from "../../errors/api-error";
import { checkReadiness } from "../../services/health/check-readiness";
import type { AppRouter } from "../router";
import { dataEnvelope, defineRoute } from "../define-route";

const checkState = z.enum(["ok", "unreachable", "behind", "ahead", "unknown"]);
const readiness = z
  .object({
    status: z.literal("ready"),
    checks: z.object({ database: checkState, migrations: checkState }),
    migrations: z.object({ expected: z.string().nullable(), applied: z.string().nullable() }),
  })
  .openapi("Readiness");

const route = defineRoute({
  method: "get",
  path: "/health/ready",
  access: "public",
  tags: ["Operations"],
  summary: "Readiness: database reachable and migrations current",
  description:
    "One database round trip with its own 2 s deadline, so a frozen database answers 503 within it. 503 SERVICE_UNAVAILABLE (with Retry-After) names the failing check in `details.checks`; a transient database error counts as `unreachable`. No authentication, not rate limited (docs/operations.md).",
  responses: {
    200: {
      description: "Ready to serve traffic.",
      content: {
        "application/json": {
          schema: dataEnvelope(readiness).openapi({
            example: {
              data: {
                status: "ready",
                checks: { database: "ok", migrations: "ok" },
                migrations: { expected: "0008_indexes", applied: "0008_indexes" },
              },
            },
          }),
        },
      },
    },
  },
});

export function registerReady(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const result = await checkReadiness({ ctx: c.get("services") });
    if (!result.ready) {
      throw new ApiError("SERVICE_UNAVAILABLE", {
        message: "Not ready: a dependency check failed.",
        details: { checks: result.checks, migrations: result.migrations },
        headers: { "Retry-After": "5" },
      });
    }
    return c.json({ data: { status: "ready" as const, checks: result.checks, migrations: result.migrations } }, 200);
  });
}
