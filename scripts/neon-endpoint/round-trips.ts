/**
 * Counts /sql HTTP requests (database round trips) per `X-Request-ID`, so tests can hold each API
 * request to its round-trip budget (ARCHITECTURE "Database access over HTTP": ≤ 1 for a read, ≤ 2 for
 * a write). Every request that reaches /sql counts, including refused, faulted and malformed ones: each
 * is a round trip the Worker paid for.
 *
 * Beside the count it sums, per request id, how long the endpoint spent on those requests (`endpointMs`:
 * handler entered → answer written, an injected delay included) and how much of that was PostgreSQL's
 * (`postgresMs`: pool checkout, statement(s), results), so a bench can split a request's wall time
 * (`npm run bench -- profile`). Two `performance.now()` calls per round trip; nothing else is kept.
 */
export interface RequestTiming {
  roundTrips: number;
  endpointMs: number;
  postgresMs: number;
}

export class RoundTripCounter {
  private total = 0;
  private readonly byRequestId = new Map<string, RequestTiming>();

  record(requestId: string | undefined): void {
    this.total += 1;
    if (requestId !== undefined) this.entry(requestId).roundTrips += 1;
  }

  /** Adds one finished /sql request's times to its request id (called once the answer is written). */
  addTime(requestId: string | undefined, endpointMs: number, postgresMs: number): void {
    if (requestId === undefined) return;
    const entry = this.entry(requestId);
    entry.endpointMs += endpointMs;
    entry.postgresMs += postgresMs;
  }

  count(requestId: string): number {
    return this.byRequestId.get(requestId)?.roundTrips ?? 0;
  }

  timing(requestId: string): RequestTiming {
    return { roundTrips: 0, endpointMs: 0, postgresMs: 0, ...this.byRequestId.get(requestId) };
  }

  totalCount(): number {
    return this.total;
  }

  private entry(requestId: string): RequestTiming {
    let entry = this.byRequestId.get(requestId);
    if (entry === undefined) {
      entry = { roundTrips: 0, endpointMs: 0, postgresMs: 0 };
      this.byRequestId.set(requestId, entry);
    }
    return entry;
  }
}
