/**
 * docs/operations.md#error-reporting: one Sentry configuration for every entry point – the Worker's fetch,
 * queue and scheduled handlers (src/worker.ts) and each Durable Object class (src/index.ts). Disabled, and
 * sending nothing, without SENTRY_DSN; no PII, no traces (errors only).
 */
import * as Sentry from "@sentry/cloudflare";

export function sentryOptions(env: object): Sentry.CloudflareOptions {
  const dsn: unknown = Reflect.get(env, "SENTRY_DSN");
  const environment: unknown = Reflect.get(env, "ENVIRONMENT");
  return {
    dsn: typeof dsn === "string" && dsn !== "" ? dsn : undefined,
    environment: typeof environment === "string" ? environment : "development",
    tracesSampleRate: 0,
    // Sentry 11 collects headers, cookies, query strings, bodies and AI inputs by default. None of it leaves
    // here: bodies hold notes, tasks and prompts; the request id (a tag) is enough to find the log line.
    dataCollection: {
      userInfo: false,
      cookies: false,
      httpHeaders: false,
      httpBodies: [],
      urlQueryParams: false,
      genAI: { inputs: false, outputs: false },
      databaseQueryData: false,
      queues: false,
      stackFrameVariables: false,
    },
  };
}

/** Reports an error that was handled (logged, retried) but is still a bug or an outage worth seeing. */
export function reportError(error: unknown, tags: Record<string, string>): void {
  Sentry.withScope((scope) => {
    for (const [name, value] of Object.entries(tags)) scope.setTag(name, value);
    Sentry.captureException(error);
  });
}
