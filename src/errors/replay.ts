/** A response exactly as it will be (and was) sent: idempotent replays are byte-for-byte (docs/conventions.md). */
export interface StoredResponse {
  status: number;
  body: string;
  headers: Record<string, string>;
}

/** Marks a replayed response. */
export const REPLAYED_HEADER = "Idempotent-Replayed";

/** Thrown when the request's Idempotency-Key already completed: onError answers with the stored response. */
export class IdempotentReplay extends Error {
  constructor(readonly response: StoredResponse) {
    super("idempotent replay");
    this.name = "IdempotentReplay";
  }
}
