import * as Sentry from "@sentry/cloudflare";
import { handleScheduled } from "../cron";
import { handleQueueBatch } from "../queues";
import { createApp, type AppOptions } from "./app";
import type { Bindings } from "./env";
import { sentryOptions } from "./lib/sentry";

/**
 * The Worker's handlers – fetch (the Hono app), queue and scheduled – wrapped by Sentry, which is disabled
 * and sends nothing without SENTRY_DSN. src/index.ts exports this; the `guarded` bench builds a second one
 * with `{ guards: false }` to measure the guards' cost against an otherwise identical Worker.
 */
export function createWorker(options: AppOptions = {}): ExportedHandler<Bindings> {
  const app = createApp(options);
  return Sentry.withSentry<Bindings, unknown, unknown, ExportedHandler<Bindings>>(
    sentryOptions,
    {
      fetch: app.fetch,
      queue: handleQueueBatch,
      scheduled: handleScheduled,
    } satisfies ExportedHandler<Bindings>,
  );
}
