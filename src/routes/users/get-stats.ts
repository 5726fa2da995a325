import { z } from "@hono/zod-openapi";
import { getStats } from "../../services/achievements/read";
import { dataEnvelope, defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS } from "../shared-schemas";

const schema = z
  .object({
    tasks_completed: z.number().int().openapi({ description: "Lifetime: each task counts once, however often it is reopened and completed again." }),
    current_streak: z.number().int().openapi({ description: "Consecutive UTC days with a completed task, up to today or yesterday; 0 once a day was missed." }),
    longest_streak: z.number().int(),
    last_completion_day: z.string().nullable().openapi({ format: "date", description: "UTC day of the last completion." }),
    focus_sessions_completed: z.number().int(),
    focus_seconds_total: z.number().int().openapi({ description: "Seconds of every ended focus session." }),
    notes_converted: z.number().int(),
    achievements_unlocked: z.number().int(),
  })
  .openapi("UserStats", {
    example: {
      tasks_completed: 42,
      current_streak: 3,
      longest_streak: 9,
      last_completion_day: "2026-03-01",
      focus_sessions_completed: 12,
      focus_seconds_total: 18000,
      notes_converted: 2,
      achievements_unlocked: 3,
    },
  });

const route = defineRoute({
  method: "get",
  path: "/users/me/stats",
  tags: ["Users"],
  summary: "Your progress: completions, streaks, focus, unlocks",
  description: "docs/achievements-and-streaks.md. One database round trip.",
  errors: AUTHED_ERRORS,
  responses: { 200: { description: "Your statistics.", content: { "application/json": { schema: dataEnvelope(schema) } } } },
});

export function registerGetStats(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await getStats({ ctx: c.get("services") }) }, 200));
}
