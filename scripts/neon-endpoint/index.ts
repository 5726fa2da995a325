/**
 * Local Neon HTTP endpoint (ARCHITECTURE "Local Neon endpoint"): a Node server speaking the `/sql`
 * protocol of `@neondatabase/serverless`, forwarding to a real Postgres (or PGlite behind
 * pglite-socket), with round-trip counting and fault injection under `/_control/*` for tests.
 *
 * Point the driver at it with `neonConfig.fetchEndpoint = endpoint.url`; the connection string the
 * driver sends (`Neon-Connection-String`) names the Postgres to forward to.
 */
import type { AddressInfo } from "node:net";
import { FaultRegistry } from "./faults.ts";
import { PoolRegistry } from "./postgres.ts";
import { RoundTripCounter } from "./round-trips.ts";
import { createEndpointServer } from "./server.ts";

export type { FaultMode, FaultSpec } from "./faults.ts";

export interface NeonEndpoint {
  /** e.g. http://127.0.0.1:PORT/sql – the value for `neonConfig.fetchEndpoint`. */
  url: string;
  /** e.g. http://127.0.0.1:PORT – prefix of the `/_control/*` routes. */
  origin: string;
  port: number;
  close(): Promise<void>;
}

export interface NeonEndpointOptions {
  /** 0 (the default) picks a random free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  /** Connections per pool (one pool per connection string); default 20. PGlite needs 1. */
  maxConnections?: number;
  /**
   * How long a query may wait for a free pooled connection before the endpoint answers 503 (default 10 s).
   * Load runs far past the pool's size raise it, so they measure queueing instead of a harness timeout.
   */
  connectionTimeoutMs?: number;
  /** Receives one line per /sql request and per internal problem; nothing is logged without it. */
  log?: (line: string) => void;
}

export async function startNeonEndpoint(options: NeonEndpointOptions = {}): Promise<NeonEndpoint> {
  const host = options.host ?? "127.0.0.1";
  const log = options.log;
  const pools = new PoolRegistry({
    maxConnections: options.maxConnections ?? 20,
    ...(options.connectionTimeoutMs === undefined ? {} : { connectionTimeoutMs: options.connectionTimeoutMs }),
    ...(log ? { log } : {}),
  });
  const server = createEndpointServer({
    pools,
    faults: new FaultRegistry(),
    roundTrips: new RoundTripCounter(),
    ...(log ? { log } : {}),
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    // A deep accept backlog: a thousand Worker requests may open connections at the same instant (load runs);
    // Node's default (511) drops the rest and the Worker sees a refused database.
    server.listen({ port: options.port ?? 0, host, backlog: 4096 }, () => {
      server.off("error", reject);
      resolve();
    });
  });

  const { port } = server.address() as AddressInfo;
  const origin = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
  let closing: Promise<void> | undefined;

  return {
    url: `${origin}/sql`,
    origin,
    port,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        );
        // Keep-alive sockets from the driver would otherwise hold server.close() open indefinitely.
        server.closeIdleConnections();
        server.closeAllConnections();
        await stopped;
        await pools.closeAll();
      })();
      return closing;
    },
  };
}
