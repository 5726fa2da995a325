/**
 * `/_control/*`: round-trip counts, fault injection and health, over HTTP so tests running inside
 * workerd (which can only fetch) can drive them.
 *
 *   GET    /_control/health                     → {"ok": true}
 *   GET    /_control/round-trips?request_id=ID  → {"request_id": ID, "round_trips": N, "endpoint_ms": T, "postgres_ms": T,
 *                                                  "spans": [{"arrived_at": E, "answered_at": E, "postgres_ms": T}, …]}
 *          (T: summed over that id's /sql requests; E: epoch ms with sub-ms precision, one span per finished
 *          request – see round-trips.ts)
 *   GET    /_control/round-trips                → {"total": N, "in_flight": N} (every request id; in flight = arrived, not yet answered)
 *   POST   /_control/faults   (FaultSpec JSON)  → {"id": "<fault id>"}
 *   GET    /_control/faults                     → {"faults": [...]} (active faults, for debugging)
 *   DELETE /_control/faults/ID                  → {"removed": true|false}
 *   DELETE /_control/faults                     → {"removed": N}
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";
import { faultSpecSchema, type FaultRegistry } from "./faults.ts";
import { readJsonBody, sendJson } from "./http-io.ts";
import type { RoundTripCounter } from "./round-trips.ts";

export interface ControlState {
  faults: FaultRegistry;
  roundTrips: RoundTripCounter;
}

const faultPathPattern = /^\/_control\/faults\/([^/]+)$/;

/** Answers a /_control request. The caller has already checked that the path starts with /_control/. */
export async function handleControl(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  state: ControlState,
): Promise<void> {
  const { pathname } = url;
  const method = req.method ?? "GET";

  if (pathname === "/_control/health" && method === "GET") {
    return sendJson(res, 200, { ok: true });
  }

  if (pathname === "/_control/round-trips" && method === "GET") {
    const requestId = url.searchParams.get("request_id");
    if (requestId === null) return sendJson(res, 200, { total: state.roundTrips.totalCount(), in_flight: state.roundTrips.inFlight() });
    const timing = state.roundTrips.timing(requestId);
    return sendJson(res, 200, {
      request_id: requestId,
      round_trips: timing.roundTrips,
      endpoint_ms: timing.endpointMs,
      postgres_ms: timing.postgresMs,
      spans: timing.spans.map((span) => ({ arrived_at: span.arrivedAt, answered_at: span.answeredAt, postgres_ms: span.postgresMs })),
    });
  }

  if (pathname === "/_control/faults") {
    if (method === "POST") {
      const parsed = faultSpecSchema.safeParse(await readJsonBody(req));
      if (!parsed.success) {
        return sendJson(res, 400, { message: `invalid fault: ${z.prettifyError(parsed.error)}` });
      }
      return sendJson(res, 200, { id: state.faults.add(parsed.data).id });
    }
    if (method === "GET") {
      const faults = state.faults.list().map((fault) => ({
        ...fault,
        // Infinity is not JSON; an unlimited fault reports null remaining applications.
        remaining: Number.isFinite(fault.remaining) ? fault.remaining : null,
      }));
      return sendJson(res, 200, { faults });
    }
    if (method === "DELETE") {
      const removed = state.faults.list().length;
      state.faults.clear();
      return sendJson(res, 200, { removed });
    }
  }

  const faultPath = faultPathPattern.exec(pathname);
  if (faultPath?.[1] !== undefined && method === "DELETE") {
    // Deleting a fault that already used up its `times` is not an error: test cleanup stays simple.
    return sendJson(res, 200, { removed: state.faults.remove(decodeURIComponent(faultPath[1])) });
  }

  sendJson(res, 404, { message: `no control route ${method} ${pathname}` });
}
