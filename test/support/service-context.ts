import { createDb, newDbTrace } from "../../src/db/client";
import { loadConfig } from "../../src/env";
import { systemClock } from "../../src/lib/clock";
import { createLogger } from "../../src/lib/logger";
import type { ServiceContext } from "../../src/services/context";
import { databaseUrl, neonEndpoint, testEnv } from "./env";
import { newRequestId } from "./requests";

/**
 * A ServiceContext as the Worker builds one for a signed-in user's request, for service-level tests. Its
 * after-commit work (`waitUntil`) is collected, so `settled()` awaits it as the runtime would let it finish.
 */
export function userServiceContext(userId: string, requestId = newRequestId("service")): { ctx: ServiceContext; settled: () => Promise<unknown[]> } {
  const config = loadConfig(testEnv);
  if (!config.ok) throw new Error("test configuration invalid");
  const trace = newDbTrace(requestId, neonEndpoint());
  const pending: Promise<unknown>[] = [];
  const ctx: ServiceContext = {
    db: createDb(databaseUrl(), trace),
    trace,
    clock: systemClock,
    config: config.config,
    env: testEnv,
    requestId,
    actor: { type: "user", userId, sessionId: crypto.randomUUID(), tier: "free" },
    log: createLogger(requestId),
    waitUntil: (promise) => pending.push(promise),
  };
  return { ctx, settled: () => Promise.all(pending) };
}
