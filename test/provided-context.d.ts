// What test/global-setup.ts provides to the tests (and to vitest.config.ts for the Worker's bindings).
export {};

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    neonEndpoint: string;
    neonControl: string;
    sentryDsn: string;
    sentrySink: string;
    /** Fake Google issuer (test/fakes/node/google-issuer.ts): origin of its /_control API, default tenant's JWKS. */
    googleIssuer: string;
    googleJwksUrl: string;
    /** The Worker's RS256 signing key (PKCS#8 PEM) and kid, and a retired key still accepted (rotation tests). */
    jwtPrivateKey: string;
    jwtKeyId: string;
    jwtPreviousPrivateKey: string;
    jwtPreviousKeyId: string;
    jwtPreviousPublicKeys: string;
    /** Origin of the OpenAPI conformance collector (test/conformance/collector.ts); test/support/requests.ts reports to it. */
    conformanceCollector: string;
    /** Origin of the Web Push service fake (test/fakes/node/push-service.ts): mints subscriptions, decrypts pushes. */
    pushService: string;
    /** The Worker's VAPID key pair (base64url point and raw d) and subject for this run. */
    vapidPublicKey: string;
    vapidPrivateKey: string;
    vapidSubject: string;
    /** Fake Deepgram pre-recorded API (test/fakes/node/deepgram.ts): the Worker's DEEPGRAM_BASE_URL, and its key. */
    deepgramUrl: string;
    deepgramApiKey: string;
    /** Fake Checkout.com Hosted Payments API (test/fakes/node/checkout.ts): the Worker's CHECKOUT_BASE_URL and its /_control API. */
    checkoutUrl: string;
    /** Fake OpenAI Responses API (test/fakes/node/openai.ts): origin of `/v1/responses` and its /_control API. */
    openaiUrl: string;
  }
}
