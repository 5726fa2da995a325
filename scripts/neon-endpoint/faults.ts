/**
 * Fault injection for the local Neon endpoint.
 *
 * Tests run inside workerd and can only `fetch`, so faults are registered over HTTP
 * (`POST /_control/faults`) and kept here. This module is pure (no Node imports) so test code may
 * import its types.
 *
 * How faults combine on one /sql request: every matching `delay` fault applies (their waits add up),
 * then at most one outcome fault – the oldest matching `refuse`, `error` or `after_commit` – decides the
 * answer. `times` counts applications, so a fault with `times: 1` hits exactly one request.
 */
import { z } from "zod";

export const faultModes = ["refuse", "error", "delay", "after_commit"] as const;
export type FaultMode = (typeof faultModes)[number];

export const faultSpecSchema = z
  .object({
    mode: z.enum(faultModes),
    request_id: z.string().min(1).optional(),
    match: z.string().min(1).optional(),
    times: z.number().int().positive().optional(),
    delay_ms: z.number().int().nonnegative().max(600_000).optional(),
    code: z
      .string()
      .regex(/^[0-9A-Z]{5}$/, "code must be a 5-character SQLSTATE")
      .optional(),
    message: z.string().min(1).optional(),
  })
  .strict()
  .refine((spec) => spec.mode !== "delay" || spec.delay_ms !== undefined, {
    message: "delay_ms is required for mode delay",
    path: ["delay_ms"],
  });

/** The JSON body of `POST /_control/faults`. */
export type FaultSpec = z.infer<typeof faultSpecSchema>;

export interface Fault extends FaultSpec {
  id: string;
  /** How many more requests this fault applies to; `Infinity` until cleared. */
  remaining: number;
}

/** What the endpoint must do for one /sql request, after any matching faults were consumed. */
export interface FaultPlan {
  delayMs: number;
  outcome?: Fault;
}

/** The facts about a /sql request that faults can filter on. */
export interface FaultTarget {
  requestId: string | undefined;
  sqlTexts: readonly string[];
}

/** Default message per SQLSTATE for injected `error` faults, worded like Postgres's own. */
const defaultMessages: Record<string, string> = {
  "57P01": "terminating connection due to administrator command",
  "40001": "could not serialize access due to concurrent update",
  "40P01": "deadlock detected",
  "53300": "sorry, too many clients already",
};

export function defaultFaultMessage(code: string): string {
  return defaultMessages[code] ?? `injected fault (SQLSTATE ${code})`;
}

export class FaultRegistry {
  private readonly faults = new Map<string, Fault>();
  private nextId = 1;

  add(spec: FaultSpec): Fault {
    const id = `fault-${this.nextId++}`;
    const fault: Fault = { ...spec, id, remaining: spec.times ?? Number.POSITIVE_INFINITY };
    this.faults.set(id, fault);
    return fault;
  }

  remove(id: string): boolean {
    return this.faults.delete(id);
  }

  clear(): void {
    this.faults.clear();
  }

  list(): Fault[] {
    return [...this.faults.values()];
  }

  /**
   * Picks the faults that apply to a request and consumes one application of each. Consuming happens
   * synchronously at arrival so two concurrent requests can never both take the last application.
   */
  take(target: FaultTarget): FaultPlan {
    const plan: FaultPlan = { delayMs: 0 };
    // Map iteration follows insertion order, so "oldest outcome fault wins" holds.
    for (const fault of this.faults.values()) {
      if (!matches(fault, target)) continue;
      if (fault.mode === "delay") {
        plan.delayMs += fault.delay_ms ?? 0;
      } else if (plan.outcome === undefined) {
        plan.outcome = fault;
      } else {
        continue;
      }
      fault.remaining -= 1;
      if (fault.remaining <= 0) this.faults.delete(fault.id);
    }
    return plan;
  }
}

function matches(fault: Fault, target: FaultTarget): boolean {
  if (fault.request_id !== undefined && fault.request_id !== target.requestId) return false;
  const needle = fault.match;
  if (needle !== undefined && !target.sqlTexts.some((sql) => sql.includes(needle))) return false;
  return true;
}
