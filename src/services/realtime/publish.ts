import { publishToHub, type PublishedEvent } from "../../../durable-objects/user-hub/client";
import type { ServiceContext } from "../context";

/**
 * How long a write's after-commit work waits for the hub. Past it the publish is abandoned (and logged): the
 * write has long been answered, and a hub that slow is in trouble anyway. The call may still land late.
 */
export const PUBLISH_TIMEOUT_MS = 2_000;

/**
 * Sends one write's stream events to the user's hub (one RPC), after the commit. Never throws: a failure or
 * timeout is a warning in the log (outcome `realtime_publish_failed`) – clients of that user miss those events
 * and catch up on their next refetch (docs/reminders-notifications-realtime.md "Loss bound").
 */
export async function publishEvents(ctx: ServiceContext, userId: string, events: PublishedEvent[]): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), PUBLISH_TIMEOUT_MS);
  });
  try {
    const outcome = await Promise.race([publishToHub(ctx.env, userId, events), timeout]);
    if (outcome === "timeout") {
      ctx.log.warn("real-time publish timed out", { outcome: "realtime_publish_failed", reason: "timeout", user_id: userId, events: events.length });
    }
  } catch (error) {
    ctx.log.warn("real-time publish failed", { outcome: "realtime_publish_failed", reason: "error", user_id: userId, events: events.length, error });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
