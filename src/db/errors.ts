/**
 * Which database errors are worth retrying (hardening issue, item 3). The neon-http driver throws a
 * `NeonDbError` carrying Postgres's SQLSTATE in `code`; drizzle wraps it in a `DrizzleQueryError` whose
 * `cause` is the driver's error, so both functions walk the `cause` chain.
 *
 * Transient – the same request is expected to succeed shortly; the API answers
 * `503 SERVICE_UNAVAILABLE` with `Retry-After` (errors/on-error.ts) and `/health/ready` reports the
 * database unreachable:
 * - class 08 (connection exception: 08000, 08001, 08003, 08004, 08006, 08007) – the connection between
 *   Neon's proxy and the compute broke or could not be made. Except 08P01 protocol_violation, which is a
 *   bug in a client or proxy and would fail again.
 * - 40001 serialization_failure, 40P01 deadlock_detected – a concurrency conflict; Postgres rolled the
 *   whole transaction back, so re-running it is safe (see isRetryableWriteConflict).
 * - class 53 (insufficient resources: 53000, 53100 disk_full, 53200 out_of_memory, 53300
 *   too_many_connections, 53400 configuration_limit_exceeded) – the server is overloaded or out of space;
 *   nothing is wrong with the request.
 * - 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now – the server is restarting,
 *   e.g. a Neon compute being suspended, restarted or still starting.
 * - XX000 internal_error – Neon's HTTP proxy reports its own failures to reach or wake a compute with
 *   this generic code, and on Postgres itself it is an unexpected internal state that rarely repeats for
 *   the same statement. A retry is harmless; the 503 is still reported to Sentry (every 5xx is), so an
 *   XX000 that keeps coming back is seen. XX001 data_corrupted / XX002 index_corrupted are not transient.
 *
 * Not transient (stay 500 INTERNAL_ERROR): everything else, notably 57014 query_canceled (a statement
 * timeout is usually the same slow statement again) and 08P01. Our own per-call deadline
 * (DATABASE_TIMEOUT_MS, db/client.ts) is an outage, not an SQLSTATE: it marks the request's trace
 * unavailable and answers 503 on that path.
 */
const TRANSIENT_CODES = new Set(["40001", "40P01", "57P01", "57P02", "57P03", "XX000"]);
const TRANSIENT_CLASSES = new Set(["08", "53"]);
const NOT_TRANSIENT_CODES = new Set(["08P01"]);
const WRITE_CONFLICT_CODES = new Set(["40001", "40P01"]);

/** The first SQLSTATE found on the error or its causes, or undefined. */
export function sqlState(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  for (let current: unknown = error; current instanceof Error && !seen.has(current); current = current.cause) {
    seen.add(current);
    const code: unknown = "code" in current ? current.code : undefined;
    if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** Whether the database failed in a way a retry shortly after is expected to succeed (503 + Retry-After). */
export function isTransientDatabaseError(error: unknown): boolean {
  const code = sqlState(error);
  if (code === undefined || NOT_TRANSIENT_CODES.has(code)) return false;
  return TRANSIENT_CODES.has(code) || TRANSIENT_CLASSES.has(code.slice(0, 2));
}

/**
 * 40001 / 40P01: Postgres aborted the transaction (one neon-http statement or `db.batch`) because of a
 * concurrent one and rolled all of it back, so the same batch may be re-run at once within the request.
 * Other transient errors (a dropped connection, a timeout) may have committed before the answer was
 * lost, so they are not safe to re-run blindly.
 */
export function isRetryableWriteConflict(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && WRITE_CONFLICT_CODES.has(code);
}
