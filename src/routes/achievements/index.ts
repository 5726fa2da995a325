import { z } from "@hono/zod-openapi";
import { ACHIEVEMENT_METRICS, PERK_TYPES } from "../../db/schema/achievements";
import { listAchievements } from "../../services/achievements/read";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS } from "../shared-schemas";

export const perkSchema = z
  .object({ type: z.enum(PERK_TYPES), value: z.number().int().openapi({ description: "Added to the limit (daily_ai_credits: credits per day)." }) })
  .openapi("Perk");

const achievementSchema = z
  .object({
    id: z.string().openapi({ example: "tasks_5" }),
    name: z.string(),
    description: z.string(),
    metric: z.enum(ACHIEVEMENT_METRICS),
    threshold: z.number().int(),
    progress: z.number().int().openapi({ description: "The metric's current value, capped at the threshold (streak: the current streak)." }),
    unlocked: z.boolean(),
    unlocked_at: z.string().nullable().openapi({ format: "date-time" }),
    perk: perkSchema,
  })
  .openapi("Achievement", {
    example: {
      id: "tasks_5",
      name: "Task Starter",
      description: "Complete 5 tasks.",
      metric: "tasks_completed",
      threshold: 5,
      progress: 3,
      unlocked: false,
      unlocked_at: null,
      perk: { type: "max_tasks", value: 15 },
    },
  });

const route = defineRoute({
  method: "get",
  path: "/achievements",
  tags: ["Achievements"],
  summary: "The achievement catalogue with your progress",
  description:
    "docs/achievements-and-streaks.md: every achievement in catalogue order, with your progress towards it and whether (and when) you unlocked it. Unlocked perks raise `GET /users/me/limits` at once. One database round trip.",
  errors: [...AUTHED_ERRORS],
  responses: {
    200: { description: "The catalogue.", content: { "application/json": { schema: dataEnvelope(z.array(achievementSchema)) } } },
  },
});

export function mountAchievements(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await listAchievements({ ctx: c.get("services") }) }, 200));
}
