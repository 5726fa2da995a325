import type { AppRouter } from "../router";
import { registerEventStream } from "./stream";
import { registerEventTickets } from "./tickets";

/** docs/reminders-notifications-realtime.md real time: the event stream and its tickets. */
export function mountEvents(router: AppRouter): void {
  registerEventTickets(router);
  registerEventStream(router);
}
