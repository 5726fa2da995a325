import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";

export const REQUEST_ID_HEADER = "X-Request-ID";

// docs/conventions.md#request-ids: a client id is kept when it is a sane token (safe to log and to echo), else we make one.
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{8,128}$/;

/** Accepts or generates the request id and echoes it on every response, errors included. */
export const requestId = createMiddleware<AppEnv>(async (c, next) => {
  const offered = c.req.header(REQUEST_ID_HEADER);
  const id = offered !== undefined && SANE_REQUEST_ID.test(offered) ? offered : crypto.randomUUID();
  c.set("requestId", id);
  await next();
  c.res.headers.set(REQUEST_ID_HEADER, id);
});
