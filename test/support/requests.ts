import { exports } from "cloudflare:workers";
import { checkContract } from "./contract";

/** A fresh, sane request id, so a test can find its own log line, round trips and injected faults. */
export function newRequestId(label = "test"): string {
  return `${label}-${crypto.randomUUID()}`;
}

export interface CallOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  rawBody?: BodyInit;
  requestId?: string;
  /**
   * The request breaks the OpenAPI document on purpose (bad input, no credentials, an undocumented path…):
   * the conformance layer then checks only the response. Without it request and response must both conform.
   */
  invalid?: boolean;
}

/**
 * Calls the real Worker (its default export, through the whole middleware chain); request and response are
 * checked against contracts/openapi.json (test/support/contract.ts) and a violation fails the test.
 */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.requestId) headers.set("X-Request-ID", options.requestId);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(options.body);
  }
  // The bytes are read once up front: a clone of a request whose body the Worker never reads (refused before
  // parsing, e.g. a multipart body) would never finish reading in workerd.
  const bytes = body === undefined ? undefined : await new Response(body).arrayBuffer();
  const init = { method: options.method ?? "GET", headers };
  const url = `https://api.perpetua.test${path}`;
  const request = new Request(url, { ...init, body: bytes ?? null });
  const sent = new Request(url, { ...init, body: bytes ?? null });
  const response = await exports.default.fetch(request);
  await checkContract(sent, response, { invalid: options.invalid });
  return response;
}
