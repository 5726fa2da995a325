import type { BatchItem } from "drizzle-orm/batch";
import type { ServiceContext } from "../context";
import { activityLogHandler } from "./activity-handler";
import type { DomainEvent, EventMeta } from "./types";

/**
 * An in-process subscriber to domain events.
 *
 * How a later feature plugs in (achievements, streaks, reminders, recurring generation, real time):
 *   1. write a handler object in its own service folder, e.g. `services/achievements/events.ts`:
 *        export const achievementsHandler: EventHandler = {
 *          name: "achievements",
 *          statements: (ctx, events, meta) => events.some((e) => e.type === "task.completed")
 *            ? [ctx.db.execute(sql`insert into user_achievement_states … on conflict … do update …`)] : [],
 *          afterCommit: async (ctx, events, meta) => { …publish to UserHub… },
 *        };
 *   2. add it to HANDLERS below (order = order of its statements in the batch).
 * `statements` must be pure SQL over what the events say – it cannot read first, because it runs inside the
 * write's single commit batch (ARCHITECTURE: ≤ 2 round trips per write). Whatever must hold atomically is
 * a guard (`perpetua_guard`) inside those statements. `afterCommit` runs in `ctx.waitUntil` once the batch
 * committed; it must be safe to lose (best effort) – anything that must not be lost is an outbox row
 * written by `statements` instead. A feature whose effect must appear in the response (e.g. unlocked
 * achievements) computes it in the service's read round trip and passes it in the event.
 */
export interface EventHandler {
  name: string;
  statements?(ctx: ServiceContext, events: readonly DomainEvent[], meta: EventMeta): BatchItem<"pg">[];
  afterCommit?(ctx: ServiceContext, events: readonly DomainEvent[], meta: EventMeta): Promise<void>;
}

const HANDLERS: readonly EventHandler[] = [activityLogHandler];

/** The statements every handler contributes to the write's commit batch, in handler order. */
export function eventStatements(ctx: ServiceContext, events: readonly DomainEvent[], meta: EventMeta): BatchItem<"pg">[] {
  return HANDLERS.flatMap((handler) => handler.statements?.(ctx, events, meta) ?? []);
}

/** Schedules the after-commit handlers (call only after the batch committed). Failures are logged, not thrown. */
export function afterCommit(ctx: ServiceContext, events: readonly DomainEvent[], meta: EventMeta): void {
  if (events.length === 0) return;
  for (const handler of HANDLERS) {
    if (!handler.afterCommit) continue;
    ctx.waitUntil(
      handler.afterCommit(ctx, events, meta).catch((error: unknown) => {
        console.log(JSON.stringify({ level: "warn", request_id: ctx.requestId, message: "after-commit handler failed", handler: handler.name, error: String(error) }));
      }),
    );
  }
}
