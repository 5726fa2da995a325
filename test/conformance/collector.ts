import { readFileSync } from "node:fs";
import { listen, readBody, sendJson, type RunningServer } from "../fakes/node/http";
import type { ContractObservation, ContractVerdict } from "../support/contract-observation";
import { ContractValidator, type OpenApiDocument } from "./validator";

/**
 * The conformance collector (README "Testing"): a loopback HTTP server in the Node process of `npm test`.
 * Every request a test sends through the Worker is POSTed here with its response (test/support/requests.ts);
 * it is validated against the committed contracts/openapi.json (ajv runs in Node: workerd forbids the code
 * generation ajv compiles with), the verdict goes back so the test fails at once on a violation, and the
 * tally feeds the report global setup prints at the end of the run.
 */
export interface ConformanceTally {
  documented: string[];
  exercised: Map<string, number>;
  /** Responses checked against a documented operation, and of those the requests checked too (mode "full"). */
  validated: number;
  requestsValidated: number;
  /** Calls marked invalid on purpose (only their response is checked). */
  responseOnly: number;
  outside: number;
  violations: { test: string; operation: string | null; message: string }[];
}

export async function startConformanceCollector(documentUrl: URL): Promise<RunningServer & { tally: ConformanceTally }> {
  const document = JSON.parse(readFileSync(documentUrl, "utf8")) as OpenApiDocument;
  const validator = new ContractValidator(document);
  const tally: ConformanceTally = { documented: validator.operations, exercised: new Map(), validated: 0, requestsValidated: 0, responseOnly: 0, outside: 0, violations: [] };
  const server = await listen(async (request, response) => {
    if (request.method === "POST" && request.url === "/observe") {
      const observation = JSON.parse((await readBody(request)).toString("utf8")) as ContractObservation;
      const verdict: ContractVerdict = validator.check(observation);
      if (verdict.operation === null) tally.outside += 1;
      else {
        tally.exercised.set(verdict.operation, (tally.exercised.get(verdict.operation) ?? 0) + 1);
        tally.validated += 1;
        if (observation.mode === "full") tally.requestsValidated += 1;
      }
      if (observation.mode === "response-only") tally.responseOnly += 1;
      for (const message of verdict.violations) tally.violations.push({ test: observation.test, operation: verdict.operation, message });
      return sendJson(response, 200, verdict);
    }
    sendJson(response, 404, { error: "not found" });
  });
  return { ...server, tally };
}

/** The report's lines and whether the run passes: no violation, and (for a full run) every operation exercised. */
export function conformanceReport(tally: ConformanceTally, options: { requireEveryOperation: boolean }): { lines: string[]; ok: boolean } {
  const unexercised = tally.documented.filter((operation) => !tally.exercised.has(operation));
  const lines = [
    "OpenAPI conformance (contracts/openapi.json)",
    `  operations exercised: ${tally.documented.length - unexercised.length}/${tally.documented.length}${options.requireEveryOperation ? "" : " (partial run: coverage not enforced)"}`,
    `  responses validated: ${tally.validated} (with their requests: ${tally.requestsValidated}); calls marked invalid on purpose: ${tally.responseOnly}; outside the document: ${tally.outside}`,
    `  violations: ${tally.violations.length}`,
  ];
  for (const operation of unexercised) lines.push(`  UNEXERCISED ${operation}`);
  for (const violation of tally.violations.slice(0, 50)) lines.push(`  VIOLATION [${violation.test}] ${violation.operation ?? "-"}: ${violation.message}`);
  if (tally.violations.length > 50) lines.push(`  … and ${tally.violations.length - 50} more violations`);
  const ok = tally.violations.length === 0 && (!options.requireEveryOperation || unexercised.length === 0);
  return { lines, ok };
}

