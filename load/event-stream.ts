/**
 * A bench client of `GET /api/v1/events/stream` (docs/reminders-notifications-realtime.md "Real time: as
 * built"): opens the stream with a user's token, resolves once the server's first frame (`retry:`) arrived,
 * then hands every event frame to `onEvent` with its arrival time (performance.now()) until closed.
 */
export interface StreamEvent {
  type: string;
  /** The frame's `data:` JSON, parsed; undefined when it was not JSON. */
  data: unknown;
  at: number;
}

export interface EventStreamClient {
  close(): void;
  /** False once the server ended the stream or it failed (not after `close`, which is the client's own doing). */
  isOpen(): boolean;
}

export async function openEventStream(baseUrl: string, token: string, onEvent: (event: StreamEvent) => void): Promise<EventStreamClient> {
  const controller = new AbortController();
  const response = await fetch(`${baseUrl}/api/v1/events/stream`, {
    headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" },
    signal: controller.signal,
  });
  if (response.status !== 200 || response.body === null) throw new Error(`event stream: ${response.status} ${await response.text()}`);
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let open = true;
  let closing = false;
  let opened: () => void = () => undefined;
  const first = new Promise<void>((resolve) => {
    opened = resolve;
  });
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) {
          open = false;
          return;
        }
        const at = performance.now();
        buffer += decoder.decode(value, { stream: true });
        for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith("retry:")) opened();
          const lines = block.split("\n");
          const type = lines.find((line) => line.startsWith("event: "))?.slice(7);
          const data = lines.find((line) => line.startsWith("data: "))?.slice(6);
          if (type === undefined) continue;
          onEvent({ type, data: parseJson(data), at });
        }
      }
    } catch {
      // aborted by `close`, or the connection failed
      open = closing;
    }
  })();
  await first;
  return {
    close: () => {
      closing = true;
      controller.abort();
    },
    isOpen: () => open,
  };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
