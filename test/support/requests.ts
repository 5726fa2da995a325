import { exports } from "cloudflare:workers";

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
}

/** Calls the real Worker (its default export, through the whole middleware chain). */
export async function call(path: string, options: CallOptions = {}): Promise<Response> {
  const headers = new Headers(options.headers);
  if (options.requestId) headers.set("X-Request-ID", options.requestId);
  let body: BodyInit | undefined = options.rawBody;
  if (options.body !== undefined) {
    headers.set("Content-Type", "application/json");
    body = JSON.stringify(options.body);
  }
  return exports.default.fetch(new Request(`https://api.perpetua.test${path}`, { method: options.method ?? "GET", headers, body }));
}
