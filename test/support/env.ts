import { env } from "cloudflare:workers";
import { inject } from "vitest";
import type { Bindings } from "../../src/env";

/** The Worker's bindings as the tests see them (vitest.config.ts sets the variables). */
export const testEnv = env as unknown as Bindings;

export const neonControl = (): string => inject("neonControl");
export const sentrySink = (): string => inject("sentrySink");
export const databaseUrl = (): string => inject("databaseUrl");
export const neonEndpoint = (): string => inject("neonEndpoint");
