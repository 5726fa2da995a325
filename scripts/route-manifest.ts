import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderRouteManifest } from "./lib/route-manifest.ts";

/**
 * Keeps src/routes/manifest.ts in step with the route declarations before `npm run dev` and `npm test`
 * (`predev`, `pretest`), so an operation added without `npm run contract` is still served locally. CI's
 * `npm run contract -- --check` fails when the committed manifest is stale.
 */
const path = fileURLToPath(new URL("../src/routes/manifest.ts", import.meta.url));
const text = await renderRouteManifest();
let current: string | undefined;
try {
  current = readFileSync(path, "utf8");
} catch {
  current = undefined;
}
if (current !== text) {
  writeFileSync(path, text);
  console.log("route manifest: src/routes/manifest.ts rewritten from the route declarations (commit it with `npm run contract`)");
}
