import type { Hook } from "@hono/zod-openapi";
import type { z } from "zod";
import type { AppEnv } from "../app-env";
import { ValidationFailed, type FieldProblem } from "./api-error";

/** Turns zod issues into `details: [{field, reason}]`; `field` is a dotted path (`tags.3`, `query.limit`). */
export function fieldProblems(issues: readonly z.core.$ZodIssue[], prefix?: string): FieldProblem[] {
  const join = (...parts: (string | undefined)[]) => parts.filter((part) => part !== undefined && part !== "").join(".");
  return issues.flatMap((issue) => {
    const path = issue.path.map(String).join(".");
    // docs/conventions.md#patch-semantics: unknown fields are rejected – name each one, not the object that holds it.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ field: join(prefix, path, key), reason: "Unknown field." }));
    }
    return [{ field: join(prefix, path) || (prefix ?? "body"), reason: issue.message }];
  });
}

// zod-openapi runs this after each request part is validated; failures never reach a handler.
export const validationHook: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    const target = "target" in result ? String(result.target) : undefined;
    throw new ValidationFailed(fieldProblems(result.error.issues, target === "json" ? undefined : target));
  }
};
