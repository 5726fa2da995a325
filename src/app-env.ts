import type { Bindings, Config } from "./env";
import type { ServiceContext } from "./services/context";

/** Per-request values shared by the middleware chain and the handlers. */
export interface AppVariables {
  requestId: string;
  config: Config;
  services: ServiceContext;
  /** Filled by handlers/middleware for the request's log line (SPEC §13). */
  logAction: string | undefined;
  logOutcome: string | undefined;
  userId: string | undefined;
}

export interface AppEnv {
  Bindings: Bindings;
  Variables: AppVariables;
}
