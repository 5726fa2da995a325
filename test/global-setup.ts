import type { TestProject } from "vitest/node";
import { startNeonEndpoint } from "../scripts/neon-endpoint/index.ts";
import { migrate } from "../scripts/lib/migrate.ts";
import { startTempPostgres } from "../scripts/lib/postgres.ts";
import { startSentrySink } from "./fakes/node/sentry-sink.ts";
import { startGoogleIssuer } from "./fakes/node/google-issuer.ts";
import { createTestSigningKeys } from "./fakes/node/signing-keys.ts";

/**
 * Runs in Node before the workerd test pool starts (ARCHITECTURE "npm test"): a throw-away real PostgreSQL,
 * migrated; the local Neon HTTP endpoint in front of it; and the fakes of external services. Their URLs reach
 * the Worker as bindings (vitest.config.ts) and the tests through `inject`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startTempPostgres({ database: "perpetua_test" });
  await migrate(postgres.url);
  const neon = await startNeonEndpoint({ port: 0 });
  const sentry = await startSentrySink();
  const google = await startGoogleIssuer();
  const jwt = await createTestSigningKeys();

  project.provide("databaseUrl", postgres.url);
  project.provide("neonEndpoint", neon.url);
  project.provide("neonControl", neon.origin);
  project.provide("sentryDsn", sentry.dsn);
  project.provide("sentrySink", sentry.origin);
  project.provide("googleIssuer", google.origin);
  project.provide("googleJwksUrl", google.jwksUrl());
  project.provide("jwtPrivateKey", jwt.current.privateKeyPem);
  project.provide("jwtKeyId", jwt.current.kid);
  project.provide("jwtPreviousPrivateKey", jwt.previous.privateKeyPem);
  project.provide("jwtPreviousKeyId", jwt.previous.kid);
  project.provide("jwtPreviousPublicKeys", jwt.previousJwks);

  return async () => {
    await sentry.close();
    await google.close();
    await neon.close();
    await postgres.stop();
  };
}
