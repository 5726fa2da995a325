/**
 * Counts /sql HTTP requests (database round trips) per `X-Request-ID`, so tests can hold each API
 * request to its round-trip budget (ARCHITECTURE "Database access over HTTP": ≤ 1 for a read, ≤ 2 for
 * a write). Every request that reaches /sql counts, including refused, faulted and malformed ones: each
 * is a round trip the Worker paid for.
 */
export class RoundTripCounter {
  private total = 0;
  private readonly byRequestId = new Map<string, number>();

  record(requestId: string | undefined): void {
    this.total += 1;
    if (requestId !== undefined) this.byRequestId.set(requestId, (this.byRequestId.get(requestId) ?? 0) + 1);
  }

  count(requestId: string): number {
    return this.byRequestId.get(requestId) ?? 0;
  }

  totalCount(): number {
    return this.total;
  }
}
