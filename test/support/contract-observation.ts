/**
 * One request a test sent through the Worker and the response it got, as the conformance layer checks it
 * against contracts/openapi.json (test/conformance/). Shared by the workerd side (test/support/requests.ts),
 * which reports it, and the Node side, which validates it.
 */
export interface ContractObservation {
  /**
   * "full": request and response must match the document. "response-only": the test sends input the
   * document calls invalid on purpose (or is outside the document on purpose), so only the response is checked.
   */
  mode: "full" | "response-only";
  /** The test that sent it (vitest's current test name), for the report. */
  test: string;
  request: { method: string; url: string; headers: Record<string, string>; body: string };
  response: { status: number; headers: Record<string, string>; body: string };
}

export interface ContractVerdict {
  /** `METHOD /path/{template}` of the documented operation, or null when none matched. */
  operation: string | null;
  violations: string[];
}
