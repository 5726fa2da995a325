/**
 * Runs /sql requests on a real Postgres through `pg`, the way Neon's proxy does: one pool per
 * connection string, values left as Postgres text, every statement through the extended protocol, a
 * single query in autocommit and a batch inside one transaction.
 *
 * Connections run in pg's pipeline mode: a batch's BEGIN, statements and COMMIT are written to the socket at
 * once instead of one after another's answer. PostgreSQL still executes them in order inside the one
 * transaction, so what a batch does and answers is unchanged; it only stops paying one loopback exchange and
 * event-loop turn per statement (~0.5 ms each here), a cost of this local stand-in that Neon's proxy, next to
 * its database, does not add to the edge's round trip.
 */
import {
  DatabaseError,
  Pool,
  type PoolClient,
  type QueryArrayConfig,
  type QueryArrayResult,
  type QueryResult,
  type QueryResultRow,
} from "pg";
import { beginStatement, type SqlStatement, type TransactionOptions } from "./protocol.ts";

/** Hands every value back as the text Postgres sent; the driver on the other side does the parsing. */
const rawTextTypes = {
  getTypeParser: () => (value: string) => value,
};

export interface PoolRegistryOptions {
  /** How long a query may wait for a free connection before it fails (default 10 s). */
  connectionTimeoutMs?: number;
  maxConnections: number;
  log?: (line: string) => void;
}

export class PoolRegistry {
  private readonly pools = new Map<string, Pool>();
  private closed = false;

  constructor(private readonly options: PoolRegistryOptions) {}

  get(connectionString: string): Pool {
    if (this.closed) throw new Error("the endpoint is closing");
    let pool = this.pools.get(connectionString);
    if (pool === undefined) {
      pool = new Pool({
        connectionString,
        max: this.options.maxConnections,
        types: rawTextTypes,
        pipeline: true,
        idleTimeoutMillis: 30_000,
        // A saturated or unreachable database must surface as an error, not as a hung request.
        connectionTimeoutMillis: this.options.connectionTimeoutMs ?? 10_000,
      });
      // An idle client losing its server (Postgres restarted) is reported here; without a listener
      // the 'error' event would crash the whole process.
      pool.on("error", (error) => this.options.log?.(`pool error (idle client dropped): ${error.message}`));
      this.pools.set(connectionString, pool);
    }
    return pool;
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.end()));
  }
}

/** One statement's result as pg returns it: rows as arrays or as objects, values as text. */
export type ForwardedResult = QueryArrayResult<unknown[]> | QueryResult<QueryResultRow>;

/**
 * Runs one statement through pg's extended protocol even without parameters. Neon's proxy always uses
 * it, so a multi-statement string fails there ("cannot insert multiple commands into a prepared
 * statement"); pg's simple protocol would accept it and hide the difference. `queryMode` is a real pg
 * option that @types/pg does not declare.
 */
async function run(client: PoolClient, statement: SqlStatement, arrayMode: boolean): Promise<ForwardedResult> {
  const base = { text: statement.query, values: statement.params, queryMode: "extended" as const };
  if (arrayMode) {
    const config: QueryArrayConfig<unknown[]> & { queryMode: "extended" } = { ...base, rowMode: "array" };
    return client.query<unknown[]>(config);
  }
  return client.query<QueryResultRow>(base);
}

/**
 * A Postgres ERROR leaves the connection usable; anything else (FATAL, socket errors, a failed
 * ROLLBACK) means the client must not go back into the pool.
 */
function keepsConnectionUsable(error: unknown): boolean {
  return error instanceof DatabaseError && error.severity === "ERROR";
}

async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let discard = false;
  try {
    return await work(client);
  } catch (error) {
    discard = !keepsConnectionUsable(error);
    throw error;
  } finally {
    // A single `BEGIN` sent over HTTP would otherwise leave a pooled connection inside a transaction
    // that the next request silently joins; Neon never lets HTTP queries share a transaction either.
    client.release(discard || client.getTransactionStatus() !== "I");
  }
}

export function runSingle(pool: Pool, statement: SqlStatement, arrayMode: boolean): Promise<ForwardedResult> {
  return withClient(pool, (client) => run(client, statement, arrayMode));
}

/**
 * Runs a batch all-or-nothing: the first failing statement (or a failing COMMIT, e.g. a deferred
 * constraint or a serialization failure) rolls everything back and is the error the caller sees.
 *
 * Everything is sent before anything is awaited (pipeline mode). Once a statement fails, PostgreSQL answers
 * the ones after it with "current transaction is aborted" and turns the COMMIT into a ROLLBACK, so the
 * first failure in sending order is the cause, and the transaction is already gone when it is reported.
 */
export function runBatch(
  pool: Pool,
  statements: readonly SqlStatement[],
  arrayMode: boolean,
  transaction: TransactionOptions,
): Promise<ForwardedResult[]> {
  return withClient(pool, async (client) => {
    const opened: Promise<unknown> = client.query(beginStatement(transaction));
    const ran = statements.map((statement) => run(client, statement, arrayMode));
    const committed: Promise<unknown> = client.query("COMMIT");
    const failure = (await Promise.allSettled([opened, ...ran, committed])).find(isRejected);
    if (failure === undefined) return Promise.all(ran);
    const cause: unknown = failure.reason;
    await rollbackIfOpen(client, cause);
    throw cause;
  });
}

function isRejected(outcome: PromiseSettledResult<unknown>): outcome is PromiseRejectedResult {
  return outcome.status === "rejected";
}

/**
 * After a failed batch the transaction normally ended with its COMMIT; should one still be open (BEGIN itself
 * failed half-way), it is rolled back here. If that ROLLBACK fails the connection is in an unknown state:
 * withClient discards it because the error we rethrow is then not a plain ERROR.
 */
async function rollbackIfOpen(client: PoolClient, original: unknown): Promise<void> {
  if (client.getTransactionStatus() === "I") return;
  try {
    await client.query("ROLLBACK");
  } catch (rollbackError) {
    throw new BatchRollbackFailed(original, rollbackError);
  }
}

/** The original error of a batch whose ROLLBACK also failed; the original is what the caller sees. */
export class BatchRollbackFailed extends Error {
  override readonly name = "BatchRollbackFailed";
  constructor(
    readonly original: unknown,
    readonly rollbackError: unknown,
  ) {
    super(original instanceof Error ? original.message : String(original));
  }
}
