/**
 * What a database error means for a request: a PostgreSQL SQLSTATE travels on the driver's error (or its
 * `cause`). Serialization failures (40001) and deadlocks (40P01) roll the whole transaction back – a batch
 * is all-or-nothing – so the write can run again as if it had never been tried.
 */
export function sqlState(error: unknown): string | undefined {
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    if ("code" in current && typeof current.code === "string" && /^[0-9A-Z]{5}$/.test(current.code)) return current.code;
  }
  return undefined;
}

export function isRetryableWriteConflict(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40001" || state === "40P01";
}
