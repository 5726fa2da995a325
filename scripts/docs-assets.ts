import { copyFileSync, existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Copies the Scalar API-reference bundle into `public/docs/assets/` so `/docs` runs without any CDN (the
 * page works offline, and the CSP can stay `'self'`). The bundle comes from the pinned npm package, so it is
 * not committed; `npm run dev`, `npm test` and `npm run deploy` run this first.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const source = join(root, "node_modules/@scalar/api-reference/dist/browser/standalone.js");
const target = join(root, "public/docs/assets/scalar.js");

export function copyDocsAssets(): void {
  if (existsSync(target) && statSync(target).mtimeMs >= statSync(source).mtimeMs) return;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(source, target);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) copyDocsAssets();
