/**
 * The HTTP server behind the local Neon endpoint: routes `POST /sql` and `/_control/*`, and turns any
 * unexpected failure into a 500 answer instead of a crashed process.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { handleControl } from "./control.ts";
import { sendJson } from "./http-io.ts";
import { BadRequest } from "./protocol.ts";
import { handleSql, type SqlHandlerState } from "./sql-handler.ts";

async function route(req: IncomingMessage, res: ServerResponse, state: SqlHandlerState): Promise<void> {
  const url = new URL(req.url ?? "/", "http://localhost");
  if (url.pathname === "/sql") {
    if (req.method !== "POST") return sendJson(res, 405, { message: "use POST /sql" });
    return handleSql(req, res, state);
  }
  if (url.pathname.startsWith("/_control/")) return handleControl(req, res, url, state);
  sendJson(res, 404, { message: `no route ${req.method ?? "GET"} ${url.pathname}` });
}

export function createEndpointServer(state: SqlHandlerState): Server {
  // Keep-alive longer than the Worker's idle connections live: with Node's 5 s default the server closes a
  // pooled connection just as workerd sends the next query on it, and under load that surfaces as a
  // "database unreachable" 503 in the Worker.
  const options = { keepAliveTimeout: 120_000, headersTimeout: 125_000, requestTimeout: 0 };
  return createServer(options, (req, res) => {
    route(req, res, state).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error);
      if (res.headersSent) {
        // Half a response cannot be repaired; cutting the socket is the honest signal.
        res.destroy();
      } else {
        sendJson(res, error instanceof BadRequest ? 400 : 500, { message });
      }
      if (!(error instanceof BadRequest)) state.log?.(`internal error on ${req.method} ${req.url}: ${message}`);
    });
  });
}
