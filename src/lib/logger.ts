import { loggableError } from "./loggable-error";

export type LogLevel = "info" | "warn" | "error";

/** Values a log line may carry. An `error` field is always passed through `loggableError` (no statement params). */
export type LogFields = Record<string, unknown> & { error?: unknown };

/**
 * The one structured logger (docs/operations.md "Logs"): one JSON object per line with `timestamp`, `level`,
 * `request_id` and the fields of its context, so request handlers, queue consumers, cron jobs and Durable
 * Objects all log the same shape. Built once per request / message / run (the ServiceContext carries it);
 * nothing else writes JSON lines by hand.
 */
export interface Logger {
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A line of fields only, no message (the request summary line of middleware/logging.ts). */
  line(level: LogLevel, fields: LogFields): void;
  /** The same logger with more context fields on every line (e.g. `{ job: "purge_expired" }`). */
  with(fields: LogFields): Logger;
}

export function createLogger(requestId: string, context: LogFields = {}): Logger {
  const write = (level: LogLevel, message: string | undefined, fields: LogFields = {}): void => {
    const { error, ...rest } = { ...context, ...fields };
    const line = {
      timestamp: new Date().toISOString(),
      level,
      request_id: requestId,
      ...(message === undefined ? {} : { message }),
      ...rest,
      ...(error === undefined ? {} : loggableError(error)),
    };
    (level === "error" ? console.error : console.log)(JSON.stringify(line));
  };
  return {
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    line: (level, fields) => write(level, undefined, fields),
    with: (fields) => createLogger(requestId, { ...context, ...fields }),
  };
}
