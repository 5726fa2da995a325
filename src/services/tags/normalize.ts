import { TAG_NAME_MAX } from "../../db/schema/tags";
import { ValidationFailed } from "../../errors/api-error";

export const MAX_TAGS_PER_TASK = 10;

/**
 * docs/tasks.md: tags are stored lowercased and trimmed, unique per user; at most 10 per task, each 1–50
 * characters after normalising. Returns the distinct names, sorted (the API's tag order).
 */
export function normalizeTags(raw: readonly string[], field = "tags"): string[] {
  const names = [...new Set(raw.map(normalizeTagName))].sort();
  const problems = names.flatMap((name, index) =>
    name.length < 1 || name.length > TAG_NAME_MAX ? [{ field: `${field}.${index}`, reason: `A tag is 1–${TAG_NAME_MAX} characters after trimming.` }] : [],
  );
  if (problems.length > 0) throw new ValidationFailed(problems);
  if (names.length > MAX_TAGS_PER_TASK) throw new ValidationFailed([{ field, reason: `At most ${MAX_TAGS_PER_TASK} tags per task.` }]);
  return names;
}

export function normalizeTagName(name: string): string {
  return name.trim().toLowerCase();
}
