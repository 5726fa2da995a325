import { Agent, request as httpRequest } from "node:http";

/**
 * HTTP over ONE keep-alive connection, one request at a time – for per-request latency without queueing
 * (autocannon measures throughput; with N connections its latency is ≈ N ÷ throughput). Time is taken from
 * just before the request is written to the response's last byte, as autocannon does. `connectionsOpened`
 * tells whether the connection really was reused (wrangler dev may close it).
 */
export interface SentRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** Sent as JSON (with content-type) when defined. */
  body?: unknown;
}

export interface ReceivedResponse {
  status: number;
  /** The body as text; empty for 204. */
  text: string;
  ms: number;
  /** When the request was written, epoch ms with `performance.now()`'s precision (to line up with the local Neon endpoint's spans). */
  sentAt: number;
}

export class SequentialClient {
  readonly #origin: URL;
  readonly #agent = new Agent({ keepAlive: true, maxSockets: 1 });
  readonly #seen = new WeakSet<object>();
  #queue: Promise<unknown> = Promise.resolve();
  #opened = 0;

  constructor(origin: string) {
    this.#origin = new URL(origin);
  }

  get connectionsOpened(): number {
    return this.#opened;
  }

  /** Sends after every earlier request of this client has finished (the agent's one socket does that too). */
  send(sent: SentRequest): Promise<ReceivedResponse> {
    const next = this.#queue.then(() => this.#sendNow(sent));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.#agent.destroy();
  }

  #sendNow(sent: SentRequest): Promise<ReceivedResponse> {
    const payload = sent.body === undefined ? undefined : Buffer.from(JSON.stringify(sent.body));
    const headers: Record<string, string> = { ...sent.headers };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        { host: this.#origin.hostname, port: this.#origin.port, path: sent.path, method: sent.method, headers, agent: this.#agent },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({
              status: response.statusCode ?? 0,
              text: Buffer.concat(chunks).toString("utf8"),
              ms: performance.now() - started,
              sentAt: performance.timeOrigin + started,
            }),
          );
          response.on("error", reject);
        },
      );
      outgoing.on("socket", (socket) => {
        if (this.#seen.has(socket)) return;
        this.#seen.add(socket);
        this.#opened += 1;
      });
      outgoing.setTimeout(30_000, () => outgoing.destroy(new Error(`${sent.method} ${sent.path}: no answer within 30 s`)));
      outgoing.on("error", reject);
      const started = performance.now();
      outgoing.end(payload);
    });
  }
}
