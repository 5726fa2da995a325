import { z } from "@hono/zod-openapi";
import { TASK_PRIORITIES } from "../../db/schema/tasks";
import { TASK_SORTS } from "../../services/tasks/list";
import { TAG_NAME_MAX } from "../../db/schema/tags";
import { TAG_NAME_PATTERN, tagNameSchema } from "./schemas";
import { instantInput, storableText } from "../shared-schemas";

/** `?x=a&x=b` and `?x=a,b` both mean [a, b] (repeated parameters arrive as an array, a single one as a string). */
function multiValue<T extends z.ZodType>(item: T, max: number) {
  return z
    .preprocess((value) => (value === undefined ? undefined : (Array.isArray(value) ? value : [value]).flatMap((entry) => String(entry).split(","))), z.array(item).min(1).max(max))
    .optional();
}

export const booleanFlag = (description: string) =>
  z
    .enum(["true", "false"])
    .transform((value) => value === "true")
    .openapi({ type: "boolean", description });

export const cursorParam = z.string().max(2048).optional().openapi({ description: "Opaque cursor from the previous page's `next_cursor`." });
export const limitParam = z.coerce.number().int().min(1).max(100).default(50).openapi({ type: "integer", minimum: 1, maximum: 100, default: 50, description: "Page size, 1–100 (default 50)." });

export const listTasksQuery = z.strictObject({
  completed: booleanFlag("Only completed (true) or open (false) tasks; both when omitted.").optional(),
  priority: multiValue(z.enum(TASK_PRIORITIES), 3).openapi({
    type: "array",
    minItems: 1,
    maxItems: 3,
    items: { type: "string", enum: [...TASK_PRIORITIES] },
    description: "Any of these priorities (repeat the parameter or separate with commas).",
  }),
  tags: multiValue(tagNameSchema, 10).openapi({
    type: "array",
    minItems: 1,
    maxItems: 10,
    items: { type: "string", maxLength: TAG_NAME_MAX, pattern: TAG_NAME_PATTERN.source },
    description: "Tasks carrying ALL these tags (repeat the parameter or separate with commas; at most 10).",
  }),
  q: storableText(z.string().trim().min(1).max(200)).optional().openapi({ description: "Full-text search over title and description (English stemming; websearch syntax: quotes, OR, -word)." }),
  due_before: instantInput().optional().openapi({ description: "Due strictly before this instant." }),
  due_after: instantInput().optional().openapi({ description: "Due strictly after this instant." }),
  template_id: z.uuid().optional().openapi({ description: "Instances of this recurring template." }),
  hidden: booleanFlag("Hidden tasks instead of visible ones (default false).").default(false),
  archived: booleanFlag("Archived tasks instead of active ones (default false).").default(false),
  sort: z.enum(TASK_SORTS).default("created_at").openapi({ description: "Default created_at." }),
  order: z.enum(["asc", "desc"]).optional().openapi({ description: "Default desc, except due_date: asc (no due date last)." }),
  limit: limitParam,
  cursor: cursorParam,
});
