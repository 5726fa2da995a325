import type { EventHandler } from "../events/handlers";
import { streamEventsOf } from "./events";
import { publishEvents } from "./publish";

/**
 * Real-time fan-out as an event handler (docs/reminders-notifications-realtime.md "Publishing"): once a write
 * committed, its events that the stream sends (./events.ts) go to the hub of the user whose data changed, in
 * ONE Durable Object call per write. Registered last in HANDLERS, so it sees the events the other handlers
 * added (`achievement.unlocked`, `notification.created`). It contributes no statement and reads nothing:
 * publishing costs no database round trip. After the commit and best effort: a failed or slow publish is
 * logged and never fails the write (./publish.ts).
 */
export const realtimeHandler: EventHandler = {
  name: "realtime",
  open(unit) {
    const userId = unit.userId;
    if (userId === undefined) return undefined;
    return (events) => {
      const published = streamEventsOf(events);
      if (published.length === 0) return;
      unit.afterCommit((ctx) => publishEvents(ctx, userId, published));
    };
  },
};
