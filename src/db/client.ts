import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import * as schema from "./schema";

/**
 * Per-request database handle over Neon's HTTP driver (ARCHITECTURE "Database access over HTTP"): every
 * statement or `db.batch([...])` is one HTTP round trip and its own transaction.
 *
 * Round trips are counted per request without module-level mutable state: the driver spreads a client's
 * `fetchOptions` into the init it hands to `neonConfig.fetchFunction`, so each request's `DbTrace` travels
 * with its own queries into `tracedFetch` below. The trace also redirects to the local Neon endpoint (dev and
 * tests) and tags every round trip with the request id, which the local endpoint uses to count and to inject
 * faults for one request only.
 */
export interface DbTrace {
  requestId: string;
  roundTrips: number;
  /** Set when the database could not be reached (network error or HTTP 5xx from the endpoint). */
  unavailable: boolean;
  /** Local Neon endpoint URL; undefined in production (Neon's own endpoint). */
  endpoint: string | undefined;
}

interface TracedInit extends RequestInit {
  perpetuaTrace?: DbTrace;
}

async function tracedFetch(url: string, init: TracedInit): Promise<Response> {
  const { perpetuaTrace: trace, ...rest } = init;
  if (!trace) return fetch(url, rest);
  trace.roundTrips += 1;
  const headers = new Headers(rest.headers);
  headers.set("X-Request-ID", trace.requestId);
  try {
    const response = await fetch(trace.endpoint ?? url, { ...rest, headers });
    if (response.status >= 500) trace.unavailable = true;
    return response;
  } catch (error) {
    trace.unavailable = true;
    throw error;
  }
}

// Set once per isolate; it holds no per-request state (see above).
neonConfig.fetchFunction = tracedFetch;

export type Database = NeonHttpDatabase<typeof schema>;

export function createDb(databaseUrl: string, trace: DbTrace): Database {
  const client = neon(databaseUrl, { fetchOptions: { perpetuaTrace: trace } });
  return drizzle({ client, schema });
}

export function newDbTrace(requestId: string, endpoint: string | undefined): DbTrace {
  return { requestId, roundTrips: 0, unavailable: false, endpoint };
}
