// Setup file of the `workers` project (test/vitest.config.ts): every resource module is loaded before the
// file's tests send requests, so no request waits on a module load another request started (src/routes/index.ts
// `loadAllResources`). The lazy loading itself is covered by test/suites/foundation/lazy-resources.test.ts.
import { loadAllResources } from "../../src/routes";

await loadAllResources();
