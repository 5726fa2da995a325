import { z } from "@hono/zod-openapi";
import { FOCUS_MINUTES_MAX, FOCUS_MINUTES_MIN, FOCUS_STATUSES } from "../../db/schema/focus";
import { achievementUnlockSchema } from "../tasks/schemas";

const instant = (description: string) => z.string().openapi({ format: "date-time", description, example: "2026-03-01T09:00:00.000Z" });

export const focusStatusSchema = z.enum(FOCUS_STATUSES).openapi({
  description:
    "`running` until ended; `completed` when it lasted at least the planned time; `ended_early` when ended before; `abandoned` when never ended (closed by the minute sweep at planned + 60 min with its planned time).",
});

export const focusSessionSchema = z
  .object({
    id: z.uuid(),
    task_id: z.uuid().nullable().openapi({ description: "The task focused on, or null (none given, or the task was deleted since)." }),
    planned_minutes: z.number().int().min(FOCUS_MINUTES_MIN).max(FOCUS_MINUTES_MAX),
    started_at: instant("When it started."),
    ended_at: instant("When it ended; null while running.").nullable(),
    elapsed_seconds: z.number().int().min(0).nullable().openapi({ description: "Seconds focused (ended − started; abandoned: the planned time); null while running." }),
    status: focusStatusSchema,
  })
  .openapi("FocusSession", {
    example: {
      id: "9d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6",
      task_id: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b",
      planned_minutes: 25,
      started_at: "2026-03-01T09:00:00.000Z",
      ended_at: "2026-03-01T09:25:03.000Z",
      elapsed_seconds: 1503,
      status: "completed",
    },
  });

export const startFocusBody = z
  .strictObject({
    task_id: z.uuid().nullable().optional().openapi({ description: "One of your tasks (not archived; completed ones are fine), or omit/null for a session without a task." }),
    planned_minutes: z
      .number()
      .int()
      .min(FOCUS_MINUTES_MIN)
      .max(FOCUS_MINUTES_MAX)
      .default(25)
      .openapi({ description: `${FOCUS_MINUTES_MIN}–${FOCUS_MINUTES_MAX}, default 25.`, example: 25 }),
  })
  .openapi("StartFocusSession", { example: { task_id: "3f0a7c1e-2b4d-4e8f-9a6b-1c2d3e4f5a6b", planned_minutes: 25 } });

export const endFocusResultSchema = z
  .object({
    session: focusSessionSchema,
    unlocked_achievements: z.array(achievementUnlockSchema).openapi({ description: "Achievements unlocked by this request (docs/achievements-and-streaks.md)." }),
  })
  .openapi("FocusSessionEnded");

export const focusDaySchema = z
  .object({
    day: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .openapi({ description: "A calendar day (`YYYY-MM-DD`) in your time zone (`timezone` of `GET /users/me`).", example: "2026-03-01" }),
    sessions: z.number().int().min(0).openapi({ description: "Sessions started that day (a running one included)." }),
    completed: z.number().int().min(0).openapi({ description: "Of those, the completed ones." }),
    focus_seconds: z.number().int().min(0).openapi({ description: "Their elapsed seconds." }),
  })
  .openapi("FocusDay");
