import { sentrySink } from "./env";

export interface SentryEvent {
  tags?: Record<string, string>;
}

/** The events the fake Sentry sink received for a request id (its `request_id` tag), waiting up to 5 s. */
export async function sentryEventsFor(requestId: string): Promise<SentryEvent[]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await fetch(`${sentrySink()}/_sink/events?request_id=${encodeURIComponent(requestId)}`);
    const { events } = (await response.json()) as { events: SentryEvent[] };
    if (events.length > 0) return events;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return [];
}
