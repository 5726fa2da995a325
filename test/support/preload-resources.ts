// Setup file of the `workers` project (test/vitest.config.ts): every resource module, the voice relay's
// services and the JWKS operation are loaded before the file's tests send requests, so no request waits on a
// module load another request started (src/routes/index.ts `loadAllResources`). The load on first request
// itself is covered in Node by test/node/lazy-resources.test.ts; every relay instance still awaits its
// services in its constructor.
import { loadRelayServices } from "../../durable-objects/voice-relay/object";
import { loadAllResources } from "../../src/routes";
import { loadJwks } from "../../src/routes/well-known";

await Promise.all([loadAllResources(), loadRelayServices(), loadJwks()]);
