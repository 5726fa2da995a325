import { z } from "@hono/zod-openapi";
import { REMINDER_CHANNELS, REMINDER_KINDS, REMINDER_OFFSET_MAX, REMINDER_OFFSET_MIN } from "../../db/schema/reminders";
import { instantInput } from "../shared-schemas";

/*
 * Request bodies of the reminder writes; shared with the AI suggestions, which validate a `create_reminder`
 * payload with exactly this schema (services/ai/suggestions/actions.ts).
 */
const timingFields = {
  kind: z.enum(REMINDER_KINDS).optional().openapi({ description: "Optional: follows from the field sent; when sent it must agree." }),
  remind_at: instantInput().optional().openapi({ description: "Absolute: the instant it fires; must lie in the future.", example: "2026-03-05T16:00:00Z" }),
  offset_minutes: z
    .number()
    .int()
    .min(REMINDER_OFFSET_MIN)
    .max(REMINDER_OFFSET_MAX)
    .optional()
    .openapi({ description: "Relative: minutes from the task's due date (−60 = an hour before; 30 days before to 1 day after). The task needs a due date, and the result must lie in the future.", example: -60 }),
  channel: z.enum(REMINDER_CHANNELS).optional().openapi({ description: "in_app: a notification; push: a Web Push (kept read in the notification list); both (default)." }),
};

export const createReminderBody = z.strictObject(timingFields).openapi("CreateReminder", { example: { offset_minutes: -60, channel: "both" } });
export const updateReminderBody = z.strictObject(timingFields).openapi("UpdateReminder", { example: { remind_at: "2026-03-05T16:30:00Z" } });

