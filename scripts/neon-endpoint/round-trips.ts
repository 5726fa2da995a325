/**
 * Counts /sql HTTP requests (database round trips) per `X-Request-ID`, so tests can hold each API
 * request to its round-trip budget (ARCHITECTURE "Database access over HTTP": ≤ 1 for a read, ≤ 2 for
 * a write). Every request that reaches /sql counts, including refused, faulted and malformed ones: each
 * is a round trip the Worker paid for.
 *
 * Beside the count it sums, per request id, how long the endpoint spent on those requests (`endpointMs`:
 * handler entered → answer written, an injected delay included) and how much of that was PostgreSQL's
 * (`postgresMs`: pool checkout, statement(s), results), so a bench can split a request's wall time
 * (`npm run bench -- profile`), and keeps each round trip's span on the wall clock (`arrivedAt` → `answeredAt`,
 * epoch ms with sub-ms precision), so a client on the same machine can place the round trips inside its own
 * request (`npm run bench -- floor`: the time before the first, between them and after the last). A few
 * numbers per round trip; nothing else is kept.
 */
export interface RoundTripSpan {
  /** Handler entered (headers parsed), epoch ms: `performance.timeOrigin + performance.now()`. */
  arrivedAt: number;
  /** Answer written, epoch ms. */
  answeredAt: number;
  postgresMs: number;
}

export interface RequestTiming {
  roundTrips: number;
  endpointMs: number;
  postgresMs: number;
  /** Finished round trips in arrival order. */
  spans: RoundTripSpan[];
}

export class RoundTripCounter {
  private total = 0;
  private open = 0;
  private readonly byRequestId = new Map<string, RequestTiming>();

  record(requestId: string | undefined): void {
    this.total += 1;
    this.open += 1;
    if (requestId !== undefined) this.entry(requestId).roundTrips += 1;
  }

  /** A recorded request is over (answered, refused or failed): it no longer counts as in flight. */
  settled(): void {
    this.open -= 1;
  }

  /** Requests recorded and not yet over – a delayed one included while it waits out its delay. */
  inFlight(): number {
    return this.open;
  }

  /** Adds one finished /sql request to its request id (called once the answer is written). */
  addSpan(requestId: string | undefined, span: RoundTripSpan): void {
    if (requestId === undefined) return;
    const entry = this.entry(requestId);
    entry.endpointMs += span.answeredAt - span.arrivedAt;
    entry.postgresMs += span.postgresMs;
    entry.spans.push(span);
  }

  count(requestId: string): number {
    return this.byRequestId.get(requestId)?.roundTrips ?? 0;
  }

  timing(requestId: string): RequestTiming {
    return this.byRequestId.get(requestId) ?? { roundTrips: 0, endpointMs: 0, postgresMs: 0, spans: [] };
  }

  totalCount(): number {
    return this.total;
  }

  private entry(requestId: string): RequestTiming {
    let entry = this.byRequestId.get(requestId);
    if (entry === undefined) {
      entry = { roundTrips: 0, endpointMs: 0, postgresMs: 0, spans: [] };
      this.byRequestId.set(requestId, entry);
    }
    return entry;
  }
}

/** Now on the wall clock with `performance.now()`'s precision (epoch ms). */
export function preciseNow(): number {
  return performance.timeOrigin + performance.now();
}
