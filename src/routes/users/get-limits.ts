import { z } from "@hono/zod-openapi";
import type { AppRouter } from "../router";
import { getLimits } from "../../services/users/get-limits";
import { dataEnvelope, defineRoute } from "../define-route";
import { AUTHED_ERRORS } from "../shared-schemas";

const limits = z
  .object({
    max_tasks: z.number().int().nullable().openapi({ description: "Active tasks; null = unlimited." }),
    max_subtasks: z.number().int().openapi({ description: "Subtasks per task." }),
    max_description_length: z.number().int(),
    max_due_date_days: z.number().int().nullable().openapi({ description: "Days ahead a due date may be; null = unlimited." }),
    daily_ai_credits: z.number().int(),
  })
  .openapi("Limits");

const schema = z
  .object({
    tier: z.enum(["free", "pro"]),
    limits: limits.openapi({ description: "Effective: tier defaults + perks." }),
    defaults: limits.openapi({ description: "The tier's defaults alone." }),
    perks: z
      .object({ max_tasks: z.number().int(), max_subtasks: z.number().int(), max_notes: z.number().int(), daily_ai_credits: z.number().int() })
      .openapi({ description: "Sum of the perks of unlocked achievements, per perk type." }),
    usage: z.object({ active_tasks: z.number().int(), credits_balance: z.number().int() }),
  })
  .openapi("UserLimits", {
    example: {
      tier: "free",
      limits: { max_tasks: 65, max_subtasks: 4, max_description_length: 1000, max_due_date_days: 30, daily_ai_credits: 0 },
      defaults: { max_tasks: 50, max_subtasks: 4, max_description_length: 1000, max_due_date_days: 30, daily_ai_credits: 0 },
      perks: { max_tasks: 15, max_subtasks: 0, max_notes: 0, daily_ai_credits: 0 },
      usage: { active_tasks: 12, credits_balance: 5 },
    },
  });

const route = defineRoute({
  method: "get",
  path: "/users/me/limits",
  tags: ["Users"],
  summary: "Effective limits and current usage",
  description: "Tier defaults plus unlocked achievement perks (docs/achievements-and-streaks.md); Pro's unlimited stays unlimited.",
  errors: AUTHED_ERRORS,
  responses: { 200: { description: "Limits and usage.", content: { "application/json": { schema: dataEnvelope(schema) } } } },
});

export function registerGetLimits(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await getLimits({ ctx: c.get("services") }) }, 200));
}
