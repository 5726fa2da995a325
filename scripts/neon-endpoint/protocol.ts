/**
 * The wire format of Neon's `POST /sql` ("SQL over HTTP") as spoken by `@neondatabase/serverless` 1.2.
 *
 * Request: headers `Neon-Connection-String`, `Neon-Raw-Text-Output`, `Neon-Array-Mode` and, for batches,
 * `Neon-Batch-Isolation-Level` / `-Read-Only` / `-Deferrable`; body `{query, params}` or
 * `{queries: [{query, params}, …]}`. Response 200: one result object or `{results: [...]}`; errors are
 * HTTP 400 with the Postgres error fields the driver copies onto its `NeonDbError`.
 */
import type { FieldDef, QueryResultBase } from "pg";
import { z } from "zod";

const statementSchema = z.object({
  query: z.string(),
  // The driver has already serialised every value (strings, null, bytea as "\x…" hex); anything else
  // a hand-written client sends is serialised by `pg` the same way Neon's proxy would (numbers and
  // booleans as text, arrays as array literals, objects as JSON).
  params: z.array(z.unknown()).default([]),
});

const batchSchema = z.object({ queries: z.array(statementSchema) });

export type SqlStatement = z.infer<typeof statementSchema>;

export const isolationLevels = {
  ReadUncommitted: "READ UNCOMMITTED",
  ReadCommitted: "READ COMMITTED",
  RepeatableRead: "REPEATABLE READ",
  Serializable: "SERIALIZABLE",
} as const;

export interface TransactionOptions {
  isolationLevel?: (typeof isolationLevels)[keyof typeof isolationLevels];
  readOnly?: boolean;
  deferrable?: boolean;
}

export interface SqlRequest {
  connectionString: string;
  arrayMode: boolean;
  /** `statements` holds one entry for a single query; `isBatch` tells the two shapes apart. */
  isBatch: boolean;
  statements: SqlStatement[];
  transaction: TransactionOptions;
}

/** A request the endpoint refuses before touching Postgres; answered as HTTP 400 `{message}`. */
export class BadRequest extends Error {
  override readonly name = "BadRequest";
}

type HeaderValue = string | string[] | undefined;

function header(headers: Record<string, HeaderValue>, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

function booleanHeader(headers: Record<string, HeaderValue>, name: string): boolean | undefined {
  const value = header(headers, name);
  if (value === undefined) return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new BadRequest(`invalid ${name} header: expected "true" or "false", got ${JSON.stringify(value)}`);
}

export function parseSqlRequest(headers: Record<string, HeaderValue>, body: unknown): SqlRequest {
  const connectionString = header(headers, "Neon-Connection-String");
  if (!connectionString) throw new BadRequest("missing Neon-Connection-String header");

  // Without raw text output Neon converts values to JSON types itself. The driver always asks for raw
  // text; failing loudly beats silently answering in a format the caller did not ask for.
  if (booleanHeader(headers, "Neon-Raw-Text-Output") !== true) {
    throw new BadRequest("this local endpoint only supports Neon-Raw-Text-Output: true");
  }

  // Picking the shape first keeps validation messages specific ("queries.1.query: expected string")
  // instead of a union's bare "invalid input".
  const isBatch = typeof body === "object" && body !== null && "queries" in body;
  const parsed = isBatch ? batchSchema.safeParse(body) : statementSchema.safeParse(body);
  if (!parsed.success) {
    throw new BadRequest(`invalid request body: ${z.prettifyError(parsed.error)}`);
  }
  const statements = "queries" in parsed.data ? parsed.data.queries : [parsed.data];

  return {
    connectionString,
    arrayMode: booleanHeader(headers, "Neon-Array-Mode") ?? false,
    isBatch,
    statements,
    transaction: parseTransactionOptions(headers),
  };
}

function parseTransactionOptions(headers: Record<string, HeaderValue>): TransactionOptions {
  const options: TransactionOptions = {};
  const level = header(headers, "Neon-Batch-Isolation-Level");
  if (level !== undefined) {
    if (!Object.hasOwn(isolationLevels, level)) {
      const allowed = Object.keys(isolationLevels).join(", ");
      throw new BadRequest(`invalid Neon-Batch-Isolation-Level ${JSON.stringify(level)}; expected one of ${allowed}`);
    }
    options.isolationLevel = isolationLevels[level as keyof typeof isolationLevels];
  }
  const readOnly = booleanHeader(headers, "Neon-Batch-Read-Only");
  if (readOnly !== undefined) options.readOnly = readOnly;
  const deferrable = booleanHeader(headers, "Neon-Batch-Deferrable");
  if (deferrable !== undefined) options.deferrable = deferrable;
  return options;
}

/** The `BEGIN` that opens a batch, carrying the options from the batch headers. */
export function beginStatement(options: TransactionOptions): string {
  const modes: string[] = [];
  if (options.isolationLevel !== undefined) modes.push(`ISOLATION LEVEL ${options.isolationLevel}`);
  if (options.readOnly !== undefined) modes.push(options.readOnly ? "READ ONLY" : "READ WRITE");
  if (options.deferrable !== undefined) modes.push(options.deferrable ? "DEFERRABLE" : "NOT DEFERRABLE");
  return modes.length === 0 ? "BEGIN" : `BEGIN ${modes.join(", ")}`;
}

export interface WireField {
  name: string;
  dataTypeID: number;
  tableID: number;
  columnID: number;
  dataTypeSize: number;
  dataTypeModifier: number;
  format: string;
}

export interface WireResult {
  command: string;
  rowCount: number | null;
  rows: unknown[];
  fields: WireField[];
  rowAsArray: boolean;
}

function toWireField(field: FieldDef): WireField {
  return {
    name: field.name,
    dataTypeID: field.dataTypeID,
    tableID: field.tableID,
    columnID: field.columnID,
    dataTypeSize: field.dataTypeSize,
    dataTypeModifier: field.dataTypeModifier,
    format: field.format,
  };
}

export function toWireResult(result: QueryResultBase & { rows: unknown[] }, arrayMode: boolean): WireResult {
  return {
    command: result.command,
    rowCount: result.rowCount,
    rows: result.rows,
    fields: result.fields.map(toWireField),
    rowAsArray: arrayMode,
  };
}

/** The Postgres error fields `@neondatabase/serverless` copies from a 400 body onto its error. */
export const errorFieldNames = [
  "severity",
  "code",
  "detail",
  "hint",
  "position",
  "internalPosition",
  "internalQuery",
  "where",
  "schema",
  "table",
  "column",
  "dataType",
  "constraint",
  "file",
  "line",
  "routine",
] as const;

export type WireError = { message: string } & Partial<Record<(typeof errorFieldNames)[number], string>>;

/** Copies the defined Postgres error fields of `source` (a pg `DatabaseError`) into a 400 body. */
export function toWireError(message: string, source: Partial<Record<(typeof errorFieldNames)[number], unknown>>): WireError {
  const body: WireError = { message };
  for (const name of errorFieldNames) {
    const value = source[name];
    if (typeof value === "string") body[name] = value;
  }
  return body;
}
