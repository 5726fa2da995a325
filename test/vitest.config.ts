import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { CHECKOUT_TEST_SECRET_KEY, CHECKOUT_TEST_WEBHOOK_SECRET } from "./fakes/node/checkout-keys.ts";

const root = fileURLToPath(new URL("..", import.meta.url));

// The Workers pool starts miniflare with the dev registry disabled; anything else in this process that asks
// wrangler for its registry gets the test run's own, never the machine-wide one a running `npm run dev` watches.
process.env.WRANGLER_REGISTRY_PATH = join(root, ".wrangler", "test-registry");
process.env.CLOUDFLARE_DEV_REGISTRY_PATH = process.env.WRANGLER_REGISTRY_PATH;

/**
 * Two projects share one global setup (a throw-away PostgreSQL, the local Neon endpoint, the fakes):
 * - `workers`: the API's tests, inside workerd through the Workers Vitest integration, against the real
 *   Worker from wrangler.toml; bindings point it at the services started in Node.
 * - `node`: tests of the Node-side tools (migrator, OpenAPI contract), which cannot run in workerd.
 */
export default defineConfig({
  root,
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    // Every request writes its JSON log line; show them only for failing tests.
    silent: "passed-only",
    hookTimeout: 60_000,
    // Off: on a cache hit vitest hands a fresh worker the cached transforms of the file's whole import graph,
    // and the Workers pool inlines them into ONE WebSocket message to workerd. Once the graph (Worker, SDKs) is
    // cached that message passes workerd's limit (1009 "Message is too large") and the runtime dies: "Worker
    // exited unexpectedly during started state" for the last files of a run.
    fsModuleCache: false,
    projects: [
      {
        extends: true,
        plugins: [
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: `${root}/wrangler.toml` },
            miniflare: {
              bindings: {
                ENVIRONMENT: "test",
                DATABASE_URL: inject("databaseUrl"),
                NEON_FETCH_ENDPOINT: inject("neonEndpoint"),
                NEON_CONTROL_URL: inject("neonControl"),
                // Short enough that the timeout tests (hardening/database-faults) wait little, long enough for a busy machine.
                DATABASE_TIMEOUT_MS: "4000",
                SENTRY_DSN: inject("sentryDsn"),
                SENTRY_SINK_URL: inject("sentrySink"),
                CORS_ORIGINS: "https://app.perpetua.test,http://localhost:5173",
                JWT_PRIVATE_KEY: inject("jwtPrivateKey"),
                JWT_KEY_ID: inject("jwtKeyId"),
                JWT_PREVIOUS_PUBLIC_KEYS: inject("jwtPreviousPublicKeys"),
                GOOGLE_JWKS_URL: inject("googleJwksUrl"),
                VAPID_PUBLIC_KEY: inject("vapidPublicKey"),
                VAPID_PRIVATE_KEY: inject("vapidPrivateKey"),
                VAPID_SUBJECT: inject("vapidSubject"),
                GOOGLE_CLIENT_IDS: "perpetua-test.apps.googleusercontent.com,perpetua-ios.apps.googleusercontent.com",
                DEEPGRAM_BASE_URL: inject("deepgramUrl"),
                DEEPGRAM_API_KEY: inject("deepgramApiKey"),
                CHECKOUT_BASE_URL: inject("checkoutUrl"),
                CHECKOUT_SECRET_KEY: CHECKOUT_TEST_SECRET_KEY,
                CHECKOUT_WEBHOOK_SECRET: CHECKOUT_TEST_WEBHOOK_SECRET,
                CHECKOUT_SUCCESS_URL: "https://app.perpetua.test/billing/success",
                CHECKOUT_CANCEL_URL: "https://app.perpetua.test/billing/cancel",
                CHECKOUT_FAILURE_URL: "https://app.perpetua.test/billing/failure",
                // AI configured (the /ai/* gate); test/suites/ai/suggestions-config.test.ts runs a Worker without it.
                OPENAI_API_KEY: "sk-test-perpetua",
                OPENAI_BASE_URL: `${inject("openaiUrl")}/v1`,
                // A failing model is told in seconds, not the production 30 s (the hang tests wait for it).
                AI_TIMEOUT_SECONDS: "3",
              },
            },
          })),
        ],
        // Every resource module loaded before a file's requests (test/support/preload-resources.ts).
        test: { name: "workers", include: ["test/suites/**/*.test.ts"], setupFiles: ["test/support/preload-resources.ts"] },
      },
      {
        extends: true,
        test: { name: "node", include: ["test/node/**/*.test.ts"], environment: "node" },
      },
    ],
  },
});
