/**
 * The Worker without its edge guards (rate limits, idempotency) – built only for the `guarded` bench
 * scenario, which runs the same traffic against this and the real Worker (src/index.ts) in one run to
 * measure what the guards cost. Never deployed: wrangler.toml's `main` is src/index.ts.
 */
import { createWorker } from "../src/worker";

export { UserGuard } from "../durable-objects/user-guard/object";
export { VoiceRelay } from "../durable-objects/voice-relay/object";
export { UserHub } from "../durable-objects/user-hub/object";
export { MetricsAggregate } from "../durable-objects/metrics-aggregate/object";

export default createWorker({ guards: false });
