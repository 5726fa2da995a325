import * as Sentry from "@sentry/cloudflare";
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
      // Imported on their first invocation: an isolate that only serves requests never evaluates them.
      queue: async (batch, env, execution) => (await import("../queues")).handleQueueBatch(batch, env, execution),
      scheduled: async (controller, env, execution) => (await import("../cron")).handleScheduled(controller, env, execution),
    } satisfies ExportedHandler<Bindings>,
  );
}
