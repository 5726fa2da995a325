/**
 * Runs /sql requests on a real Postgres through `pg`, the way Neon's proxy does: one pool per
 * connection string, values left as Postgres text, every statement through the extended protocol, a
 * single query in autocommit and a batch inside one transaction.
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
 */
export function runBatch(
  pool: Pool,
  statements: readonly SqlStatement[],
  arrayMode: boolean,
  transaction: TransactionOptions,
): Promise<ForwardedResult[]> {
  return withClient(pool, async (client) => {
    await client.query(beginStatement(transaction));
    try {
      const results: ForwardedResult[] = [];
      for (const statement of statements) results.push(await run(client, statement, arrayMode));
      await client.query("COMMIT");
      return results;
    } catch (error) {
      // After a failed COMMIT the transaction is already gone; ROLLBACK then only warns, which is fine.
      // If ROLLBACK itself fails the connection is in an unknown state: withClient discards it because
      // the error we rethrow is then not a plain ERROR.
      try {
        await client.query("ROLLBACK");
      } catch (rollbackError) {
        throw new BatchRollbackFailed(error, rollbackError);
      }
      throw error;
    }
  });
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
