import { createMiddleware } from "hono/factory";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "../app-env";

/**
 * HSTS, nosniff, frame-deny, a strict referrer policy and a CSP. The API itself only returns JSON, so the
 * CSP is `default-src 'none'` everywhere except the `/docs` page, which must run the self-hosted Scalar
 * bundle (a static asset from our own origin, so no CDN is needed) and fetch `/openapi.json`.
 */
const common = {
  strictTransportSecurity: "max-age=63072000; includeSubDomains; preload",
  xContentTypeOptions: "nosniff",
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  crossOriginResourcePolicy: "same-site",
} as const;

const forApi = secureHeaders({
  ...common,
  contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
});

const forDocs = secureHeaders({
  ...common,
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'", "'unsafe-inline'"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    imgSrc: ["'self'", "data:"],
    fontSrc: ["'self'", "data:"],
    connectSrc: ["'self'"],
    workerSrc: ["'self'", "blob:"],
    frameAncestors: ["'none'"],
  },
});

export const DOCS_PATH = "/docs";

export const securityHeaders = createMiddleware<AppEnv>((c, next) =>
  c.req.path === DOCS_PATH || c.req.path.startsWith(`${DOCS_PATH}/`) ? forDocs(c, next) : forApi(c, next),
);

/**
 * `Cache-Control: no-store` on every response under `prefix` (/api/v1) that did not set its own: they are
 * per user or per moment (hardening item 8), and shared caches must not keep them. Responses outside it
 * (/docs, /openapi.json, the JWKS) keep their own caching.
 */
export function noStore(prefix: string) {
  return createMiddleware<AppEnv>(async (c, next) => {
    await next();
    if ((c.req.path === prefix || c.req.path.startsWith(`${prefix}/`)) && !c.res.headers.has("Cache-Control")) {
      c.res.headers.set("Cache-Control", "no-store");
    }
  });
}
