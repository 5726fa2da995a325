// What test/global-setup.ts provides to the tests (and to vitest.config.ts for the Worker's bindings).
export {};

declare module "vitest" {
  export interface ProvidedContext {
    databaseUrl: string;
    neonEndpoint: string;
    neonControl: string;
    sentryDsn: string;
    sentrySink: string;
  }
}
