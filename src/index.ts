import * as Sentry from "@sentry/cloudflare";
import { createApp } from "./app";
import type { Bindings } from "./env";
import { handleScheduled } from "../cron";
import { handleQueueBatch } from "../queues";

export { UserGuard } from "../durable-objects/user-guard/object";
export { VoiceRelay } from "../durable-objects/voice-relay/object";
export { UserHub } from "../durable-objects/user-hub/object";

const app = createApp();

// Sentry wraps every entry point; with no SENTRY_DSN it is disabled and sends nothing.
export default Sentry.withSentry<Bindings>(
  (env) => ({
    dsn: typeof env.SENTRY_DSN === "string" && env.SENTRY_DSN !== "" ? env.SENTRY_DSN : undefined,
    environment: typeof env.ENVIRONMENT === "string" ? env.ENVIRONMENT : "development",
    sendDefaultPii: false,
    tracesSampleRate: 0,
  }),
  {
    fetch: app.fetch,
    queue: handleQueueBatch,
    scheduled: handleScheduled,
  } satisfies ExportedHandler<Bindings>,
);
