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
