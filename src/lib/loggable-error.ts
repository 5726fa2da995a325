/**
 * An error as it may appear in a log line (docs/operations.md): drizzle's "Failed query" errors embed the statement's
 * parameters, which can hold user content or token hashes, and hide the database's own message in `cause`.
 * This keeps the first line of the message (the statement text is in the code anyway) and surfaces the cause.
 */
export function loggableError(error: unknown): { error: string; cause?: string } {
  if (!(error instanceof Error)) return { error: String(error) };
  const [summary = error.name] = error.message.split("\n", 1);
  const cause = error.cause instanceof Error ? error.cause.message.split("\n", 1)[0] : undefined;
  return cause === undefined ? { error: summary } : { error: summary, cause };
}
