/**
 * `npm test`: the whole suite as SHARDS vitest processes, one after another (README "Testing"). The Workers
 * pool starts a workerd runtime per test file, and one process that goes through every file runs out of
 * room towards the end ("Worker exited unexpectedly"); a few shorter processes do not. The conformance
 * ledger (test/conformance/ledger.ts) carries the contract tally across them, so the last one still reports
 * the whole run and fails on any documented operation no test exercised.
 *
 * With arguments (`npm test -- <file or filter>`), one vitest process runs with exactly those arguments.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SHARDS = 3;
const vitest = ["vitest", "run", "--config", "test/vitest.config.ts"];
const extra = process.argv.slice(2);

function run(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  const result = spawnSync("npx", [...vitest, ...args], { stdio: "inherit", env });
  return result.status ?? 1;
}

if (extra.length > 0) process.exit(run(extra));

const directory = mkdtempSync(join(tmpdir(), "perpetua-test-"));
const env = { ...process.env, PERPETUA_TEST_LEDGER: join(directory, "conformance.json") };
const failed: number[] = [];
for (let shard = 1; shard <= SHARDS; shard += 1) {
  console.log(`\nnpm test: shard ${shard}/${SHARDS}\n`);
  if (run([`--shard=${shard}/${SHARDS}`], env) !== 0) failed.push(shard);
}
rmSync(directory, { recursive: true, force: true });
if (failed.length > 0) {
  console.error(`\nnpm test: shard${failed.length > 1 ? "s" : ""} ${failed.join(", ")} of ${SHARDS} failed (see above)`);
  process.exit(1);
}
console.log(`\nnpm test: all ${SHARDS} shards passed`);
