/**
 * Why a call to an external provider (Checkout.com, Deepgram) failed: a non-2xx status, the deadline, the
 * network, or an answer that does not parse. Each integration names its own subclass; its service decides
 * what the kind means for the client (503, 502 with a refund …).
 */
export class ProviderFailure extends Error {
  constructor(
    readonly kind: "status" | "timeout" | "network" | "malformed",
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ProviderFailure";
  }
}
