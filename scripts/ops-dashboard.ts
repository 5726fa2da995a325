import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sloDashboard } from "../ops/grafana/slo-dashboard.ts";

/**
 * docs/operations.md "SLO dashboard": ops/grafana/slo-dashboard.json is generated from
 * ops/grafana/slo-dashboard.ts, whose object is type-checked against Grafana's dashboard schema
 * (@grafana/schema, `npm run typecheck`). `npm run ops:dashboard` writes the JSON;
 * `npm run ops:dashboard -- --check` (CI) fails when the committed JSON is not what the source generates.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const path = join(root, "ops/grafana/slo-dashboard.json");
const text = `${JSON.stringify(sloDashboard, null, 2)}\n`;

if (process.argv.includes("--check")) {
  let committed: string | undefined;
  try {
    committed = readFileSync(path, "utf8");
  } catch {
    committed = undefined;
  }
  if (committed !== text) {
    console.error(`ops:dashboard drift: ${path} is not what ops/grafana/slo-dashboard.ts generates; run \`npm run ops:dashboard\` and commit.`);
    process.exit(1);
  }
  console.log("ops:dashboard: the committed SLO dashboard matches its typed source");
} else {
  writeFileSync(path, text);
  console.log(`ops:dashboard: wrote ${path}`);
}
