/**
 * docs/conventions.md#idempotency idempotency. A POST/PATCH carries an `Idempotency-Key`; its scope (user, key, and the request's
 * fingerprint) travels in the ServiceContext so the service's own round trips can carry the bookkeeping –
 * see unit-of-work.ts for why that is what keeps a write within two round trips and atomic.
 */
export interface IdempotencyScope {
  userId: string;
  key: string;
  method: string;
  /** The path as requested (ids included). */
  path: string;
  /** Hex SHA-256 over method, path and the raw body bytes. */
  requestHash: string;
  /** Set once the lookup has been made in this request (it rides with the service's first read). */
  checked: boolean;
  /** Set once the response has been stored atomically with the effect. */
  stored: boolean;
  /** Claim mode only: the lease this request holds (its exact `locked_until`), proving ownership. */
  claim?: string;
  /**
   * The response is a stream that stores itself under this key when it ends (the AI chat's SSE): the
   * middleware must neither read it (that would buffer the whole stream) nor store it.
   */
  streaming?: boolean;
}

export { IdempotentReplay, REPLAYED_HEADER, type StoredResponse } from "../../errors/replay";
import type { StoredResponse } from "../../errors/replay";

export function jsonResponse(status: number, payload: unknown, headers: Record<string, string> = {}): StoredResponse {
  return { status, body: JSON.stringify(payload), headers: { "content-type": "application/json", ...headers } };
}


export interface IdempotencyRow {
  status: "in_progress" | "completed";
  method: string;
  path: string;
  request_hash: string;
  response_status: number | null;
  response_body: string | null;
  response_headers: string | null;
  locked_until: string;
}

export async function hashRequest(method: string, path: string, body: ArrayBuffer): Promise<string> {
  const head = new TextEncoder().encode(`${method} ${path}\n`);
  const bytes = new Uint8Array(head.length + body.byteLength);
  bytes.set(head, 0);
  bytes.set(new Uint8Array(body), head.length);
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
