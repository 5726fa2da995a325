import type { StoredResponse } from "../services/idempotency/types";

/**
 * Sends a write's response exactly as it was stored with the write's idempotency record (SPEC §1.6: a replay
 * must be byte-identical to the first answer, so the first answer is these very bytes). The generic return
 * type lets a typed OpenAPI handler return it: the stored body was built from the same response schema.
 * Middleware still adds its per-request headers (request id, security, rate limits) on the way out.
 */
export function sendStored<R = Response>(response: StoredResponse): R {
  return new Response(response.body, { status: response.status, headers: response.headers }) as unknown as R;
}
