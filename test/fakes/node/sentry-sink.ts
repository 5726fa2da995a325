import { gunzipSync } from "node:zlib";
import { listen, readBody, sendJson, type RunningServer } from "./http";

/**
 * A Sentry ingestion endpoint that keeps what it is sent: it accepts envelopes at
 * `POST /api/<project>/envelope/` exactly as Sentry's SDKs send them (newline-delimited JSON: envelope
 * header, then item header + payload pairs, optionally gzip-encoded), and lets tests read the events back
 * with `GET /_sink/events` (optionally `?request_id=` matching the `request_id` tag we set).
 */
export interface SentryEvent {
  event_id?: string;
  level?: string;
  tags?: Record<string, string>;
  exception?: { values?: { type?: string; value?: string }[] };
  [key: string]: unknown;
}

export async function startSentrySink(): Promise<RunningServer & { dsn: string }> {
  const events: SentryEvent[] = [];
  const server = await listen(async (request, response) => {
    const url = new URL(request.url ?? "/", "http://sink");
    if (request.method === "POST" && /^\/api\/[^/]+\/envelope\/?$/.test(url.pathname)) {
      let body = await readBody(request);
      if (request.headers["content-encoding"] === "gzip") body = gunzipSync(body);
      events.push(...parseEnvelope(body.toString("utf8")));
      return sendJson(response, 200, {});
    }
    if (request.method === "GET" && url.pathname === "/_sink/events") {
      const requestId = url.searchParams.get("request_id");
      return sendJson(response, 200, {
        events: requestId === null ? events : events.filter((event) => event.tags?.request_id === requestId),
      });
    }
    if (request.method === "DELETE" && url.pathname === "/_sink/events") {
      events.length = 0;
      return sendJson(response, 200, {});
    }
    sendJson(response, 404, { error: "not found" });
  });
  const { port } = new URL(server.origin);
  return { ...server, dsn: `http://publickey@127.0.0.1:${port}/1` };
}

function parseEnvelope(text: string): SentryEvent[] {
  const lines = text.split("\n").filter((line) => line.trim() !== "");
  const found: SentryEvent[] = [];
  // lines[0] is the envelope header; then item header / payload pairs.
  for (let i = 1; i + 1 < lines.length; i += 2) {
    const itemHeader = JSON.parse(lines[i] ?? "{}") as { type?: string };
    if (itemHeader.type === "event") found.push(JSON.parse(lines[i + 1] ?? "{}") as SentryEvent);
  }
  return found;
}
