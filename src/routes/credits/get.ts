import { getCreditBalance } from "../../services/credits/balance";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS } from "../shared-schemas";
import { creditBalanceSchema } from "./schemas";

const route = defineRoute({
  method: "get",
  path: "/credits",
  tags: ["Credits"],
  summary: "Your AI credit balance",
  description:
    "docs/credits.md: usable credits in total and per lot kind, and the next expiry (daily credits expire at the next UTC midnight). One database round trip.",
  errors: AUTHED_ERRORS,
  responses: { 200: { description: "The balance.", content: { "application/json": { schema: dataEnvelope(creditBalanceSchema) } } } },
});

export function registerGetCredits(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await getCreditBalance({ ctx: c.get("services") }) }, 200));
}
