import { ValidationFailed, type FieldProblem } from "../../errors/api-error";
import type { Limits } from "../users/limits";

const DAY_MS = 86_400_000;

/**
 * Per-tier field rules of docs/tasks.md that depend on the user's effective limits (the schema only knows the
 * Pro maxima). They are field problems of this request, so they answer 400 VALIDATION_ERROR with the
 * field named; counted limits (tasks, subtasks) are 409 LIMIT_EXCEEDED.
 *
 * The due-date horizon (free: 30 days) is checked whenever a due date is set – at creation and when a
 * PATCH moves it – measured from the request's time; otherwise a PATCH would be a way around it.
 */
export function checkTierRules(limits: Limits, now: Date, fields: { description?: string | undefined; due_date?: string | null | undefined }): void {
  const problems: FieldProblem[] = [];
  if (fields.description !== undefined && fields.description.length > limits.max_description_length) {
    problems.push({ field: "description", reason: `At most ${limits.max_description_length} characters on your plan.` });
  }
  if (fields.due_date !== undefined && fields.due_date !== null && limits.max_due_date_days !== null) {
    const horizon = now.getTime() + limits.max_due_date_days * DAY_MS;
    if (new Date(fields.due_date).getTime() > horizon) {
      problems.push({ field: "due_date", reason: `At most ${limits.max_due_date_days} days ahead on your plan.` });
    }
  }
  if (problems.length > 0) throw new ValidationFailed(problems);
}
