import { afterEach } from "vitest";
import { openStream, type OpenStreamOptions, type SseStream } from "../../support/sse";

/**
 * Streams a realtime test opened, closed after each test (a stream left open would hold its hub's slot and
 * keep the Durable Object busy). Call `trackStreams()` once at the top of a file.
 */
export function trackStreams(): (options: OpenStreamOptions) => Promise<SseStream> {
  const open: SseStream[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return async (options) => {
    const opened = await openStream(options);
    open.push(opened);
    return opened;
  };
}
