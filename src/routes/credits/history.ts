import { z } from "@hono/zod-openapi";
import { listCreditHistory } from "../../services/credits/history";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { cursorParam, limitParam } from "../tasks/list-query";
import { AUTHED_ERRORS, listEnvelope } from "../shared-schemas";
import { creditEntrySchema } from "./schemas";

const query = z.strictObject({ limit: limitParam, cursor: cursorParam });

const route = defineRoute({
  method: "get",
  path: "/credits/history",
  tags: ["Credits"],
  summary: "Your AI credit ledger",
  description:
    "docs/credits.md: every credit movement (grant, consume, expire, refund, carryover), newest first, with the balance after it. Append-only. Cursor pagination; one database round trip.",
  errors: [...AUTHED_ERRORS],
  request: { query },
  responses: {
    200: { description: "A page of ledger entries.", content: { "application/json": { schema: listEnvelope(creditEntrySchema) } } },
  },
});

export function registerCreditHistory(router: AppRouter): void {
  router.openapi(route, async (c) => c.json(await listCreditHistory({ ctx: c.get("services"), input: c.req.valid("query") }), 200));
}
