import { expect, inject } from "vitest";
import type { ContractObservation, ContractVerdict } from "./contract-observation";

/**
 * The workerd half of the conformance layer (README "Testing"): reports one request and its response to the
 * collector in Node (test/conformance/collector.ts), which validates both against contracts/openapi.json,
 * and fails the calling test at once when the pair violates the document.
 *
 * `invalid: true` says the test sends input the document calls invalid (or leaves the document) on purpose:
 * then only the response is checked – it must still be a documented status with a documented body.
 */
export async function checkContract(request: Request, response: Response, options: { invalid?: boolean; streamed?: string } = {}): Promise<void> {
  const observation: ContractObservation = {
    mode: options.invalid === true ? "response-only" : "full",
    test: testName(),
    request: { method: request.method, url: request.url, headers: Object.fromEntries(request.headers), body: await request.text() },
    response: { status: response.status, headers: Object.fromEntries(response.headers), body: options.streamed ?? (endless(response) ? "" : await response.clone().text()) },
  };
  const answer = await fetch(`${inject("conformanceCollector")}/observe`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(observation),
  });
  if (!answer.ok) throw new Error(`conformance collector: ${answer.status} ${await answer.text()}`);
  const verdict = (await answer.json()) as ContractVerdict;
  if (verdict.violations.length > 0) {
    throw new Error(
      `OpenAPI contract violation (${verdict.operation ?? `${request.method} ${new URL(request.url).pathname}`}):\n  ${verdict.violations.join("\n  ")}`,
    );
  }
}

function testName(): string {
  const { currentTestName, testPath } = expect.getState();
  const file = testPath?.split("/").slice(-2).join("/") ?? "?";
  return `${file} > ${currentTestName ?? "(outside a test)"}`;
}

/**
 * A response whose body never ends on its own – a WebSocket upgrade, an event stream – is checked by its status
 * and headers only, unless the caller passes what it read of it (`streamed`, test/support/sse.ts).
 */
function endless(response: Response): boolean {
  return response.status === 101 || (response.headers.get("content-type") ?? "").startsWith("text/event-stream");
}
