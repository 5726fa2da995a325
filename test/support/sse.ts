import { exports } from "cloudflare:workers";
import { checkContract } from "./contract";
import { newRequestId } from "./requests";

/**
 * A small Server-Sent Events client for tests of `GET /events/stream` (WHATWG HTML §9.2 parsing, enough for
 * our frames): it reads the response body incrementally and hands out frames one by one. Waits are bounded
 * by generous timeouts that only turn a hang into a failure – no test asserts how long anything took.
 *
 * The conformance layer (test/support/contract.ts) reads whole bodies, which a stream never ends; so a stream
 * is opened with the raw `exports.default.fetch`, and `checkContract()` sends the request with the frames read
 * so far as the response body – the 200 and its `text/event-stream` are checked against the document too.
 */
export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
  /** Comment lines (`: ping`), without the colon and one leading space. */
  comments: string[];
}

export const DEFAULT_FRAME_TIMEOUT_MS = 10_000;

export class SseStream {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  #buffer = "";
  #text = "";
  readonly #frames: SseFrame[] = [];
  #ended = false;
  #pending: Promise<void> | undefined;

  constructor(
    readonly response: Response,
    private readonly request: Request,
  ) {
    if (response.body === null) throw new Error("the stream response has no body");
    this.#reader = response.body.getReader();
  }

  /** Everything read so far, as sent. */
  get text(): string {
    return this.#text;
  }

  /** The next frame of any kind (event, comment, retry), or a failure after `timeoutMs`. */
  async next(timeoutMs = DEFAULT_FRAME_TIMEOUT_MS): Promise<SseFrame> {
    return this.#take(() => true, timeoutMs);
  }

  /** The next frame that carries an event (`data:`), skipping comments and `retry:`-only frames. */
  async nextEvent(timeoutMs = DEFAULT_FRAME_TIMEOUT_MS): Promise<SseFrame & { data: string }> {
    const frame = await this.#take((candidate) => candidate.data !== undefined, timeoutMs);
    if (frame.data === undefined) throw new Error("unreachable: filtered on data");
    return { ...frame, data: frame.data };
  }

  /** The next `count` events, in order. */
  async events(count: number, timeoutMs = DEFAULT_FRAME_TIMEOUT_MS): Promise<(SseFrame & { data: string })[]> {
    const frames: (SseFrame & { data: string })[] = [];
    for (let i = 0; i < count; i += 1) frames.push(await this.nextEvent(timeoutMs));
    return frames;
  }

  /** Checks this exchange (request, status, headers, the frames read so far) against contracts/openapi.json. */
  async checkContract(): Promise<void> {
    const headers = new Headers(this.response.headers);
    await checkContract(this.request, new Response(null, { status: this.response.status, headers }), { streamed: this.#text });
  }

  /** Closes the stream from the client's side (as a browser tab going away). */
  async close(): Promise<void> {
    this.#ended = true;
    await this.#reader.cancel().catch(() => undefined);
  }

  async #take(match: (frame: SseFrame) => boolean, timeoutMs: number): Promise<SseFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.#frames.findIndex(match);
      if (index >= 0) {
        const [frame] = this.#frames.splice(index, 1);
        if (frame !== undefined) return frame;
      }
      if (this.#ended) throw new Error(`the stream ended; read so far:\n${this.#text}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching frame within ${timeoutMs} ms; read so far:\n${this.#text}`);
      await this.#readWithin(left);
    }
  }

  /** One read from the body (shared between concurrent waiters), or nothing once `ms` passed. */
  async #readWithin(ms: number): Promise<void> {
    this.#pending ??= this.#reader.read().then(({ done, value }) => {
      this.#pending = undefined;
      if (done) {
        this.#ended = true;
        return;
      }
      this.#append(this.#decoder.decode(value, { stream: true }));
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    await Promise.race([this.#pending, timeout]);
    if (timer !== undefined) clearTimeout(timer);
  }

  #append(chunk: string): void {
    this.#text += chunk;
    this.#buffer += chunk;
    for (let end = this.#buffer.indexOf("\n\n"); end >= 0; end = this.#buffer.indexOf("\n\n")) {
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      this.#frames.push(parseFrame(block));
    }
  }
}

export function parseFrame(block: string): SseFrame {
  const frame: SseFrame = { comments: [] };
  for (const line of block.split("\n")) {
    if (line.startsWith(":")) {
      frame.comments.push(line.slice(1).replace(/^ /, ""));
      continue;
    }
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "id") frame.id = value;
    else if (field === "event") frame.event = value;
    else if (field === "data") frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
    else if (field === "retry") frame.retry = Number(value);
  }
  return frame;
}

export interface OpenStreamOptions {
  accessToken?: string;
  ticket?: string;
  lastEventId?: string;
  /** Sent as `?last_event_id=` instead of the header. */
  lastEventIdQuery?: string;
  headers?: Record<string, string>;
  requestId?: string;
}

export function streamRequest(options: OpenStreamOptions = {}): Request {
  const url = new URL("https://api.perpetua.test/api/v1/events/stream");
  if (options.ticket !== undefined) url.searchParams.set("ticket", options.ticket);
  if (options.lastEventIdQuery !== undefined) url.searchParams.set("last_event_id", options.lastEventIdQuery);
  const headers = new Headers(options.headers);
  headers.set("Accept", "text/event-stream");
  headers.set("X-Request-ID", options.requestId ?? newRequestId("stream"));
  if (options.accessToken !== undefined) headers.set("Authorization", `Bearer ${options.accessToken}`);
  if (options.lastEventId !== undefined) headers.set("Last-Event-ID", options.lastEventId);
  return new Request(url, { headers });
}

/**
 * Opens `GET /events/stream` through the whole Worker (raw fetch, see above); it must answer 200
 * `text/event-stream`, and its first frame (`retry:`) must arrive – the stream is then registered in the hub.
 */
export async function openStream(options: OpenStreamOptions = {}): Promise<SseStream> {
  const request = streamRequest(options);
  const response = await exports.default.fetch(request.clone());
  if (response.status !== 200) throw new Error(`stream: expected 200, got ${response.status}: ${await response.text()}`);
  const stream = new SseStream(response, request);
  const first = await stream.next();
  if (first.retry === undefined) throw new Error(`stream: the first frame is not retry: ${stream.text}`);
  return stream;
}
