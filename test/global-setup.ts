import type { TestProject } from "vitest/node";
import { startNeonEndpoint } from "../scripts/neon-endpoint/index.ts";
import { migrate } from "../scripts/lib/migrate.ts";
import { startTempPostgres } from "../scripts/lib/postgres.ts";
import { startSentrySink } from "./fakes/node/sentry-sink.ts";
import { startGoogleIssuer } from "./fakes/node/google-issuer.ts";
import { createTestSigningKeys } from "./fakes/node/signing-keys.ts";
import { startPushService } from "./fakes/node/push-service.ts";
import { createVapidKeyPair } from "../scripts/dev/vapid-key.ts";
import { DEEPGRAM_TEST_KEY, startDeepgramFake } from "./fakes/node/deepgram.ts";
import { startCheckoutFake } from "./fakes/node/checkout.ts";
import { startOpenAIFake } from "./fakes/node/openai.ts";
import { conformanceReport, startConformanceCollector } from "./conformance/collector.ts";

/**
 * Runs in Node before the workerd test pool starts (ARCHITECTURE "npm test"): a throw-away real PostgreSQL,
 * migrated; the local Neon HTTP endpoint in front of it; and the fakes of external services. Their URLs reach
 * the Worker as bindings (vitest.config.ts) and the tests through `inject`. The conformance collector checks
 * every request the tests send through the Worker against contracts/openapi.json; its report ends the run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startTempPostgres({ database: "perpetua_test" });
  await migrate(postgres.url);
  const neon = await startNeonEndpoint({ port: 0 });
  const sentry = await startSentrySink();
  const google = await startGoogleIssuer();
  const deepgram = await startDeepgramFake();
  const checkout = await startCheckoutFake();
  const openai = await startOpenAIFake();
  const jwt = await createTestSigningKeys();
  const push = await startPushService();
  const vapid = createVapidKeyPair("mailto:push-tests@perpetua.test");
  const conformance = await startConformanceCollector(new URL("../contracts/openapi.json", import.meta.url));

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
  project.provide("conformanceCollector", conformance.origin);
  project.provide("pushService", push.origin);
  project.provide("vapidPublicKey", vapid.publicKey);
  project.provide("vapidPrivateKey", vapid.privateKey);
  project.provide("vapidSubject", vapid.subject);
  project.provide("deepgramUrl", deepgram.origin);
  project.provide("deepgramApiKey", DEEPGRAM_TEST_KEY);
  project.provide("checkoutUrl", checkout.origin);
  project.provide("openaiUrl", openai.origin);

  return async () => {
    await conformance.close();
    const report = conformanceReport(conformance.tally, { requireEveryOperation: await ranEveryWorkersTest(project) });
    console.log(`\n${report.lines.join("\n")}\n`);
    await sentry.close();
    await google.close();
    await push.close();
    await deepgram.close();
    await checkout.close();
    await openai.close();
    await neon.close();
    await postgres.stop();
    if (!report.ok) {
      process.exitCode = 1;
      throw new Error("OpenAPI conformance failed: see the report above (violations, or documented operations no test exercises).");
    }
  };
}

/**
 * "Every documented operation is exercised" only means something when the whole workers project ran: no
 * file filter, no test-name filter, nothing skipped. Single-file runs still get the report and the violations.
 */
async function ranEveryWorkersTest(project: TestProject): Promise<boolean> {
  const { vitest } = project;
  const specifications = (await vitest.globTestSpecifications()).filter((specification) => specification.project.name === "workers");
  const ran = new Map(vitest.state.getTestModules().map((module) => [module.moduleId, module]));
  return specifications.length > 0 && specifications.every((specification) => {
    const module = ran.get(specification.moduleId);
    return module !== undefined && [...module.children.allTests()].every((test) => test.result().state !== "skipped");
  });
}
