import { existsSync, readFileSync, writeFileSync } from "node:fs";
import type { ConformanceTally } from "./collector";

/**
 * `npm test` runs the suite as several vitest processes one after another (scripts/test.ts: one workerd
 * runtime per test file, and a single process that starts over a hundred of them runs out of room). Each
 * process has its own collector; the ledger file named by PERPETUA_TEST_LEDGER carries the tally and the
 * test files that ran completely from one process to the next, so the last one reports the whole run and
 * can require every documented operation once every workers file has run.
 */
interface Ledger {
  exercised: [string, number][];
  validated: number;
  requestsValidated: number;
  responseOnly: number;
  outside: number;
  violations: ConformanceTally["violations"];
  completedFiles: string[];
}

/** Adds the ledger's earlier processes into `tally`, writes the sum back, and returns every completed file so far. */
export function carryLedger(path: string, tally: ConformanceTally, completedHere: Iterable<string>): Set<string> {
  const earlier: Ledger = existsSync(path)
    ? (JSON.parse(readFileSync(path, "utf8")) as Ledger)
    : { exercised: [], validated: 0, requestsValidated: 0, responseOnly: 0, outside: 0, violations: [], completedFiles: [] };
  for (const [operation, count] of earlier.exercised) tally.exercised.set(operation, (tally.exercised.get(operation) ?? 0) + count);
  tally.validated += earlier.validated;
  tally.requestsValidated += earlier.requestsValidated;
  tally.responseOnly += earlier.responseOnly;
  tally.outside += earlier.outside;
  tally.violations.unshift(...earlier.violations);
  const completed = new Set([...earlier.completedFiles, ...completedHere]);
  const sum: Ledger = {
    exercised: [...tally.exercised],
    validated: tally.validated,
    requestsValidated: tally.requestsValidated,
    responseOnly: tally.responseOnly,
    outside: tally.outside,
    violations: tally.violations,
    completedFiles: [...completed],
  };
  writeFileSync(path, JSON.stringify(sum));
  return completed;
}
