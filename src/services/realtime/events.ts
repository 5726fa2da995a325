import type { PublishedEvent } from "../../../durable-objects/user-hub/client";
import type { DomainEvent, DomainEventType } from "../events/types";

type EventMap = { [K in DomainEventType]: Extract<DomainEvent, { type: K }> };
type Presenters = { [K in DomainEventType]?: (event: EventMap[K]) => unknown };

/**
 * THE table of what the real-time stream sends (docs/reminders-notifications-realtime.md "Real time: as
 * built"): a domain event type listed here is published, under the same name, with `data` = the resource as
 * the API presents it. A later feature adds its line here. Left out on purpose: `subtask.*` (the task's own
 * events carry what a list shows; a client with a task open refetches it), `tag.deleted`, `user.updated`,
 * `focus.ended` – not in SPEC §11's list; add them here when a client needs them.
 */
const PRESENTERS: Presenters = {
  "task.created": (event) => event.task,
  "task.updated": (event) => event.task,
  "task.completed": (event) => event.task,
  "task.reopened": (event) => event.task,
  "task.deleted": (event) => ({ id: event.taskId }),
  "task.restored": (event) => event.task,
  "notification.created": (event) => event.notification,
  "achievement.unlocked": (event) => event.achievement,
};

function present<K extends DomainEventType>(type: K, event: EventMap[K]): PublishedEvent | undefined {
  const presenter = PRESENTERS[type];
  return presenter === undefined ? undefined : { type, data: presenter(event) };
}

/** The stream events of a write's domain events, in their order (the ones the table does not list dropped). */
export function streamEventsOf(events: readonly DomainEvent[]): PublishedEvent[] {
  return events.flatMap((event) => present(event.type, event) ?? []);
}
