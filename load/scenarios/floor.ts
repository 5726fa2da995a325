import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { operations, prepareReader, referenceOperation, UserApi, type Operation, type OperationContext } from "../floor/operations.ts";
import { phasesOf, renderFloor, summariseFloor, type Sample } from "../floor/report.ts";
import type { BenchStack } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";
import { seedUsersWithTokens } from "../seed-users.ts";
import { SequentialClient, type SentRequest } from "../sequential-client.ts";
import { databaseQuiet, requestRoundTrips, requestTiming } from "../stack.ts";

/**
 * Issue 17: how far each operation is from its floor. With every `/sql` round trip delayed by RTT (the local
 * Neon endpoint's `delay` fault), an operation that makes R round trips cannot answer faster than the
 * platform (a request that touches no database: `GET /health/live`) plus R × RTT; the ratio
 * (p50 − platform) ÷ (R × RTT) says how much our own time adds to that (target ≤ 1.15).
 *
 * One connection, one request at a time, so nothing queues; each operation gets WARMUP_SAMPLES samples that
 * are not counted and then `--samples` timed ones. R is counted, not assumed: the endpoint counts round trips
 * per request id (the Worker forwards its X-Request-ID with every round trip; work after the response runs
 * under `<id>:after-commit` and is reported beside it). Each write sample's state is prepared, untimed, just
 * before it, by the operation's own user; reads share one reader whose state does not change. Before every
 * sample (after its preparation) goes one platform sample; their p50 over the whole run is the baseline.
 *
 * The endpoint runs in this process and reports each round trip's span on the wall clock, so every sample is
 * also cut at its round trips (report.ts `phasesOf`): before the first, between them, after the last, and the
 * endpoint's own time beyond the delay – the second table says where the time over the floor is.
 *
 * First of all, and once more last, goes a reference, sampled the same way but not under test (operations.ts `referenceOperation`):
 * `GET /health/ready`, one trivial round trip with no token and no guard. What it takes over platform + RTT is
 * what one round trip costs this stack before our code does anything with it; the report sets it against the
 * target's allowance per round trip and shows each operation beyond R times that cost (over both ends of the run,
 * each end's cost reported too, so drift over the run is visible instead of landing on the operations).
 */
const WARMUP_SAMPLES = 2;

/** Before each sample: no /sql request in flight and none arriving for 20 ms (at most 5 s of waiting). */
const QUIET = { settleMs: 20, timeoutMs: 5_000 };

/** The platform: a request that touches no database and needs no authentication. */
const PLATFORM_REQUEST: SentRequest = { method: "GET", path: "/api/v1/health/live" };

export default defineScenario({
  name: "floor",
  description: "per-operation latency against its floor (round trips × RTT): one connection, sequential, delayed /sql",
  // Only the watchdog's budget: 23 operations × (2 + 21) samples with their preparation take 3–5 minutes.
  defaults: { durationSeconds: 900, connections: 1, warmupSeconds: 0 },
  vars: { RATE_LIMIT_GENERAL: "1000000" },
  options: {
    rtt: { default: 25, description: "ms added to every /sql round trip" },
    samples: { default: 21, description: "timed samples per operation" },
  },
  async measure(stack, { log, options }) {
    const rttMs = options.rtt ?? 25;
    const samples = options.samples ?? 21;
    if (rttMs < 1 || samples < 1) throw new Error("--rtt and --samples must be at least 1");

    const client = new SequentialClient(stack.baseUrl);
    const users = await seedUsersWithTokens(stack, 1 + operations.filter((operation) => operation.kind === "write").length);
    const apis = users.map((user) => new UserApi(client, user.token));
    const [readerApi, ...ownApis] = apis;
    if (readerApi === undefined) throw new Error("no seeded users");
    const fault = await addDelay(stack.neonOrigin, rttMs);
    try {
      log(`floor: preparing the reader's tasks (RTT ${rttMs} ms on every /sql round trip from now on)…`);
      const reader = await prepareReader(readerApi);
      const sample = (operation: Operation, own: UserApi) => sampleOperation({ stack, client, operation, samples, rttMs, context: { own, reader } });

      log(`floor: ${samples} timed samples (after ${WARMUP_SAMPLES} warm-up) of ${operations.length} operations, each with a platform sample…`);
      const reference = { operation: referenceOperation, ...(await sample(referenceOperation, readerApi)) };
      log(`  ${referenceOperation.name} (reference) done`);
      const measured: { operation: Operation; samples: Sample[]; platform: Sample[] }[] = [];
      let nextOwn = 0;
      for (const operation of operations) {
        const own = operation.kind === "write" ? ownApis[nextOwn++] : readerApi;
        if (own === undefined) throw new Error(`no user left for ${operation.name}`);
        measured.push({ operation, ...(await sample(operation, own)) });
        log(`  ${operation.name} done`);
      }
      const referenceAtEnd = { operation: referenceOperation, ...(await sample(referenceOperation, readerApi)) };
      log(`  ${referenceOperation.name} (reference, again at the end) done`);

      const figures = summariseFloor({
        rttMs,
        samples,
        warmupSamples: WARMUP_SAMPLES,
        connectionsOpened: client.connectionsOpened,
        operations: measured,
        reference,
        referenceAtEnd,
      });
      return { report: renderFloor(figures), figures, clean: figures.clean };
    } finally {
      client.close();
      await fetch(`${stack.neonOrigin}/_control/faults/${fault}`, { method: "DELETE" });
    }
  },
});

/**
 * Warm-up plus timed samples of one operation, each prepared just before it is sent, and right before each a
 * platform sample: the baseline is then measured all through the run, next to what it is compared with, so the
 * machine's drift over minutes (other jobs on 2 shared vCPUs) and the Worker's own warming affect both alike.
 */
async function sampleOperation(options: {
  stack: BenchStack;
  client: SequentialClient;
  operation: Operation;
  samples: number;
  rttMs: number;
  context: Omit<OperationContext, "sample">;
}): Promise<{ samples: Sample[]; platform: Sample[]; notQuiet: number }> {
  const { stack, client, operation } = options;
  const taken: Sample[] = [];
  const platformTaken: Sample[] = [];
  let notQuiet = 0;
  const send = async (request: SentRequest, requestId: string, warmup: boolean): Promise<Sample> => {
    const response = await client.send({ ...request, headers: { ...request.headers, "x-request-id": requestId } });
    const timing = await requestTiming(stack.neonOrigin, requestId);
    const phases = phasesOf(response, timing.spans, options.rttMs);
    return { requestId, warmup, status: response.status, ms: response.ms, roundTrips: timing.roundTrips, afterResponse: 0, ...(phases && { phases }) };
  };
  const slug = operation.name.replace(/[^A-Za-z0-9]+/g, "-").replace(/^-|-$/g, "").toLowerCase();
  for (let sample = 0; sample < WARMUP_SAMPLES + options.samples; sample += 1) {
    const warmup = sample < WARMUP_SAMPLES;
    const request = await operation.prepare({ ...options.context, sample });
    // The preparation's own work after its response (outbox send, after-commit handlers) must not run inside the
    // timed request: it is not the measured operation's, and on this machine it would share its CPUs and rows.
    if (!(await databaseQuiet(stack.neonOrigin, QUIET))) notQuiet += 1;
    const tag = `${slug}-${sample}-${randomUUID().slice(0, 8)}`;
    platformTaken.push(await send(PLATFORM_REQUEST, `floor-platform-${tag}`, warmup));
    taken.push(await send(request, `floor-${tag}`, warmup));
  }
  // Work after the response (outbox sends, after-commit handlers) runs in waitUntil: let it land, then count it.
  await sleep(500);
  for (const sample of taken) sample.afterResponse = await requestRoundTrips(stack.neonOrigin, `${sample.requestId}:after-commit`);
  return { samples: taken, platform: platformTaken, notQuiet };
}

async function addDelay(neonOrigin: string, delayMs: number): Promise<string> {
  const response = await fetch(`${neonOrigin}/_control/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ mode: "delay", delay_ms: delayMs }),
  });
  const body: unknown = await response.json();
  if (!response.ok || typeof body !== "object" || body === null || !("id" in body) || typeof body.id !== "string") {
    throw new Error(`could not add the delay fault: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.id;
}
