import { neon, neonConfig } from "@neondatabase/serverless";
import { drizzle, type NeonHttpDatabase } from "drizzle-orm/neon-http";
import { DEFAULT_DATABASE_TIMEOUT_MS } from "../env";

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
  /** Set when the database could not be reached (network error, HTTP 5xx from the endpoint, deadline passed). */
  unavailable: boolean;
  /** Set when a round trip was abandoned at its deadline (`timeoutMs`). */
  timedOut: boolean;
  /**
   * Deadline of each round trip in milliseconds (DATABASE_TIMEOUT_MS), headers and body together. Past it
   * the fetch is aborted, so a frozen database costs a request at most this long per round trip and the
   * request answers 503 SERVICE_UNAVAILABLE. A write abandoned this way may still commit; its idempotency
   * record (services/writes.ts) makes the client's retry replay it instead of applying it twice.
   */
  timeoutMs: number;
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
  const deadline = new AbortController();
  const timer = setTimeout(() => {
    trace.timedOut = true;
    deadline.abort(new DatabaseTimeout(trace.timeoutMs));
  }, trace.timeoutMs);
  const signal = rest.signal ? AbortSignal.any([rest.signal, deadline.signal]) : deadline.signal;
  try {
    const response = await fetch(trace.endpoint ?? url, { ...rest, headers, signal });
    if (response.status >= 500) trace.unavailable = true;
    // Read the body within the deadline too (the driver would read it whole anyway), then stop the timer.
    const body = await response.arrayBuffer();
    const nullBody = response.status === 204 || response.status === 205 || response.status === 304;
    return new Response(nullBody ? null : body, { status: response.status, statusText: response.statusText, headers: response.headers });
  } catch (error) {
    trace.unavailable = true;
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The reason a round trip was aborted at its deadline (the driver wraps it: "Error connecting to database"). */
export class DatabaseTimeout extends Error {
  constructor(readonly timeoutMs: number) {
    super(`database round trip exceeded ${timeoutMs} ms`);
    this.name = "DatabaseTimeout";
  }
}

// Set once per isolate; it holds no per-request state (see above).
neonConfig.fetchFunction = tracedFetch;

export type Database = NeonHttpDatabase;

/**
 * One per request (the trace is the request's). Without `schema`: the code queries through the query builder
 * only (`db.select…`, never the relational `db.query.*`), and drizzle would otherwise rebuild the relational
 * config of every table on each call – the largest part of this function's cost in the profile
 * (load/README.md "profile").
 */
export function createDb(databaseUrl: string, trace: DbTrace): Database {
  const client = neon(databaseUrl, { fetchOptions: { perpetuaTrace: trace } });
  return drizzle({ client });
}

export function newDbTrace(requestId: string, endpoint: string | undefined, timeoutMs = DEFAULT_DATABASE_TIMEOUT_MS): DbTrace {
  return { requestId, roundTrips: 0, unavailable: false, timedOut: false, timeoutMs, endpoint };
}
