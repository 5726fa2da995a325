import type { WriteUnit } from "../unit-of-work";
import { achievementsHandler } from "../achievements/progress";
import { realtimeHandler } from "../realtime/handler";
import { recurringHandler } from "../recurring/handler";
import { remindersHandler } from "../reminders/handler";
import { activityLogHandler } from "./activity-handler";
import type { DomainEvent } from "./types";

/**
 * An in-process subscriber to the domain events of writes (docs/write-protocol.md "Event handlers").
 *
 * `open` is called when a write's unit of work opens, before the write's own code runs: a handler may
 * contribute reads to round trip 1 there (`unit.read(…)`, looking at `unit.operation` to read only for the
 * writes it cares about). It returns what to do once the write has decided and its events are known:
 * contribute statements to the commit batch (`unit.write`), response fields (`unit.fields`), queue messages
 * (`unit.enqueue`) and best-effort after-commit work (`unit.afterCommit`). Everything it contributes commits
 * or fails with the write itself. A handler whose outcome the response depends on and that a concurrent
 * write could change (an achievement unlocked by exactly one of ten parallel completions) guards its
 * statement with a `STATE_MOVED` guard: the loser's write is re-run on fresh reads and answers accordingly.
 *
 * How a feature plugs in:
 *   export const achievementsHandler: EventHandler = {
 *     name: "achievements",
 *     open(unit) {
 *       if (unit.operation !== "tasks.complete") return undefined;
 *       const progress = unit.read(achievementProgressStatement(unit.ctx));
 *       return (events) => { …unit.write(unlockStatement); unit.fields.unlocked_achievements = […]; };
 *     },
 *   };
 * and add it to HANDLERS (order = order of its statements in the batch).
 */
export interface EventHandler {
  name: string;
  open(unit: WriteUnit): ((events: readonly DomainEvent[]) => void) | undefined;
}

// Achievements first: the events it adds (`achievement.unlocked`, `notification.created`) are then seen by the
// handlers after it. Real time last: it publishes every event the others added (after the commit).
const HANDLERS: EventHandler[] = [achievementsHandler, recurringHandler, remindersHandler, activityLogHandler, realtimeHandler];

/** Opens every handler for a write; returns their contributions to run once the write decided. */
export function openHandlers(unit: WriteUnit): ((events: readonly DomainEvent[]) => void)[] {
  return HANDLERS.flatMap((handler) => handler.open(unit) ?? []);
}

/**
 * Adds a handler for as long as the returned function is not called (tests register probe handlers this
 * way; features are listed in HANDLERS).
 */
export function registerEventHandler(handler: EventHandler): () => void {
  HANDLERS.push(handler);
  return () => {
    const index = HANDLERS.indexOf(handler);
    if (index >= 0) HANDLERS.splice(index, 1);
  };
}
