import type { Context, Next } from "hono";
import type { RouterRoute } from "hono/types";
import type { AppEnv } from "../app-env";
import { registerRouteFlags, type RouteFlags } from "../middleware/route-flags";
import { mountAiGate } from "./ai/gate";
import { lazy } from "../lib/lazy";
import { ROUTE_MANIFEST } from "./manifest";
import { RESOURCES, type ResourceName } from "./resources";
import { createRouter, type AppRouter } from "./router";

/** One operation of the generated manifest (routes/manifest.ts, written by `npm run contract`). */
export interface ManifestRoute {
  resource: ResourceName;
  method: string;
  /** Hono's form: `/tasks/:id`. */
  path: string;
  flags: RouteFlags;
}

type Handlers = readonly RouterRoute["handler"][];

const loaders = new Map<ResourceName, () => Promise<ReadonlyMap<string, Handlers>>>();

/**
 * Mounts every operation without evaluating any resource module (docs/start-up.md). Each
 * operation of the manifest is registered with its flags – so authentication, rate limits, idempotency and
 * the 404/405 fallback work exactly as before – and a handler that, on the operation's first request,
 * imports its resource, registers the resource's operations on a router of its own and runs the
 * operation's own chain (its validators, then its handler) in this request's context.
 */
export function mountRoutes(api: AppRouter): void {
  mountAiGate(api);
  for (const { resource, method, path, flags } of ROUTE_MANIFEST) {
    registerRouteFlags(method, path, flags);
    const operation = key(method, path);
    api.on(method, path, async (c, next) => {
      const handlers = (await loadResource(resource)).get(operation);
      if (handlers === undefined) throw new Error(`routes/manifest.ts is stale: ${resource} has no ${operation} (run \`npm run contract\`)`);
      await runChain(c, handlers, next);
    });
  }
}

/**
 * Loads every resource now instead of on its first request. The Workers test pool calls it before a test file
 * runs (test/support/preload-resources.ts): there a dynamic import is a fetch from Vite's module runner, and
 * parallel first requests waiting on one another's load are cancelled by workerd as hung. In a deployed
 * Worker the imports are bundled, so a load is plain evaluation and needs no preloading.
 */
export async function loadAllResources(): Promise<void> {
  const resources = new Set(ROUTE_MANIFEST.map((route) => route.resource));
  await Promise.all([...resources].map(loadResource));
}

/** The resource's operations by `METHOD path`, each with its chain; loaded once per isolate (lib/lazy.ts). */
function loadResource(resource: ResourceName): Promise<ReadonlyMap<string, Handlers>> {
  let load = loaders.get(resource);
  if (load === undefined) {
    load = lazy(async () => chainsOf(resource, await RESOURCES[resource]()));
    loaders.set(resource, load);
  }
  return load();
}

function chainsOf(resource: ResourceName, mount: (router: AppRouter) => void): ReadonlyMap<string, Handlers> {
  const router = createRouter();
  mount(router);
  const chains = new Map<string, RouterRoute["handler"][]>();
  for (const route of router.routes) {
    // Middleware of a resource's own (`router.use`) would not run through a stub: shared middleware belongs
    // on the API router (as the AI gate is), so a resource that declares some fails loudly here.
    if (route.method === "ALL") throw new Error(`${resource} registers middleware on ${route.path}; mount it in routes/index.ts`);
    const operation = key(route.method, route.path);
    chains.set(operation, [...(chains.get(operation) ?? []), route.handler]);
  }
  return chains;
}

/** Hono's own composition of one route's handlers (hono/compose), run inside the outer chain. */
async function runChain(c: Context<AppEnv>, handlers: Handlers, next: Next, index = 0): Promise<void> {
  const handler = handlers[index];
  if (handler === undefined) return next();
  const response: unknown = await handler(c, () => runChain(c, handlers, next, index + 1));
  if (response instanceof Response && !c.finalized) c.res = response;
}

function key(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}
