import { z } from "@hono/zod-openapi";
import { COUNT_MAX, RRULE_MAX_LENGTH } from "../../services/recurring/rule";
import { descriptionSchema, durationSchema, prioritySchema, tagsSchema, taskSchema, titleSchema } from "../tasks/schemas";
import { instantInput, versionSchema } from "../shared-schemas";

const instant = (description: string) => z.string().openapi({ format: "date-time", description, example: "2026-03-30T07:00:00.000Z" });

/**
 * Runtime accepts a longer string so that an oversized rule answers the rule's own reason (`rrule`: 1–500
 * characters) from the rule parser; the document states the limit. The JSON body limit (1 MB) bounds it.
 */
export const rruleSchema = z
  .string()
  .max(200_000)
  .openapi({
    maxLength: RRULE_MAX_LENGTH,
    description:
      "An RFC 5545 RRULE (without DTSTART), e.g. `FREQ=WEEKLY;BYDAY=MO,WE;BYHOUR=9;BYMINUTE=0`. FREQ HOURLY, DAILY, WEEKLY, MONTHLY or YEARLY; at most one BYMINUTE and one BYSECOND value (nothing fires more often than hourly). COUNT/UNTIL may be part of the rule or sent as `count`/`until`, not both. Invalid rule → `400 VALIDATION_ERROR` with the reason.",
    example: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
  });
export const timezoneSchema = z.string().min(1).max(64).openapi({ description: "An IANA time zone; occurrences are wall times there (09:00 stays 09:00 across DST).", example: "Europe/Berlin" });
const countSchema = z.number().int().min(1).max(COUNT_MAX).openapi({ description: `The series ends after this many occurrences (1–${COUNT_MAX}).`, example: 10 });

export const templateSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string(),
    priority: z.enum(["low", "medium", "high"]),
    estimated_duration: z.number().int().nullable(),
    tags: z.array(z.string()).openapi({ description: "Copied onto every instance generated later." }),
    rrule: z.string().openapi({ description: "The rule without COUNT/UNTIL (those are `count` and `until`)." }),
    timezone: z.string(),
    starts_at: instant("The series starts here (occurrences at or after it)."),
    until: instant("Last possible occurrence, or null.").nullable(),
    count: z.number().int().nullable(),
    active: z.boolean().openapi({ description: "The series is running: not paused and not ended." }),
    paused: z.boolean(),
    next_occurrence_at: instant("The next occurrence not generated yet; null once the series has no more.").nullable(),
    open_instance_id: z.uuid().nullable().openapi({ description: "The open instance – or, while the `recurring` queue creates it, the id it will have. null when none is open or coming." }),
    instances_generated: z.number().int().openapi({ description: "Instances that exist (deleted ones not counted)." }),
    version: z.number().int(),
    created_at: instant("Creation time."),
    updated_at: instant("Last change."),
  })
  .openapi("Template", {
    example: {
      id: "5d1c7a3e-8b2f-4c6d-9e0a-1b2c3d4e5f60",
      title: "Weekly review",
      description: "",
      priority: "medium",
      estimated_duration: 30,
      tags: ["work"],
      rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0",
      timezone: "Europe/Berlin",
      starts_at: "2026-03-01T00:00:00.000Z",
      until: null,
      count: null,
      active: true,
      paused: false,
      next_occurrence_at: "2026-04-06T07:00:00.000Z",
      open_instance_id: "0b8f2c1e-6a7d-8e9f-a0b1-c2d3e4f5a6b7",
      instances_generated: 4,
      version: 2,
      created_at: "2026-03-01T08:00:00.000Z",
      updated_at: "2026-03-30T07:05:00.000Z",
    },
  });

export const createTemplateBody = z
  .strictObject({
    title: titleSchema,
    description: descriptionSchema.optional(),
    priority: prioritySchema.optional(),
    estimated_duration: durationSchema.nullable().optional(),
    tags: tagsSchema.optional(),
    rrule: rruleSchema,
    timezone: timezoneSchema,
    starts_at: instantInput().openapi({ description: "When the series starts (RFC 3339); its local wall time in `timezone` is the rule's DTSTART.", example: "2026-03-01T08:00:00Z" }),
    until: instantInput().nullable().optional().openapi({ description: "Last possible occurrence (inclusive)." }),
    count: countSchema.nullable().optional(),
  })
  .openapi("CreateTemplate", {
    examples: [
      { title: "Weekly review", rrule: "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9;BYMINUTE=0", timezone: "Europe/Berlin", starts_at: "2026-03-01T00:00:00Z", tags: ["work"] },
      { title: "Stand-up", rrule: "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=30", timezone: "America/New_York", starts_at: "2026-03-02T00:00:00Z" },
      { title: "Pay rent", rrule: "FREQ=MONTHLY;BYMONTHDAY=-1;BYHOUR=18;BYMINUTE=0", timezone: "Australia/Sydney", starts_at: "2026-01-01T00:00:00Z", count: 12 },
      { title: "Water the plants", rrule: "FREQ=DAILY;INTERVAL=2;BYHOUR=8;BYMINUTE=0;UNTIL=20261231T230000Z", timezone: "Europe/Berlin", starts_at: "2026-03-01T00:00:00Z" },
    ],
  });

export const updateTemplateBody = z
  .strictObject({
    title: titleSchema.optional(),
    description: descriptionSchema.optional(),
    priority: prioritySchema.optional(),
    estimated_duration: durationSchema.nullable().optional(),
    tags: tagsSchema.optional().openapi({ description: "Replaces the tags of instances generated later." }),
    rrule: rruleSchema.optional(),
    timezone: timezoneSchema.optional(),
    starts_at: instantInput().optional(),
    until: instantInput().nullable().optional(),
    count: countSchema.nullable().optional(),
    version: versionSchema.optional(),
  })
  .openapi("UpdateTemplate", { example: { rrule: "FREQ=WEEKLY;BYDAY=TU;BYHOUR=10;BYMINUTE=0", version: 2 } });

export const instanceEntrySchema = taskSchema
  .extend({ status: z.enum(["open", "completed", "skipped", "deleted"]).openapi({ description: "`deleted`: from its tombstone (restorable while it is kept)." }) })
  .openapi("TemplateInstance");

export const occurrenceSchema = z
  .object({
    occurrence_at: instant("The occurrence in UTC."),
    local: z.string().openapi({ description: "The wall time in the template's zone with its offset (what a calendar shows).", example: "2026-03-30T09:00:00+02:00" }),
  })
  .openapi("Occurrence");
