import { registeredRouteFlags, type RouteFlags } from "../middleware/route-flags";
import { mountAiGate } from "./ai/gate";
import { createRouter, type AppRouter } from "./router";

/** A resource's module, loaded when it is first needed; it registers its own operations on a router. */
export type ResourceLoader = () => Promise<(router: AppRouter) => void>;

/**
 * The only place resources are listed (STYLE §1), in mount order. Each is a dynamic import, so the Worker's
 * start-up evaluates none of them: routes/index.ts registers the operations from the generated manifest and
 * loads a resource on its first request (docs/start-up.md).
 */
export const RESOURCES = {
  health: async () => (await import("./health")).mountHealth,
  auth: async () => (await import("./auth")).mountAuth,
  users: async () => (await import("./users")).mountUsers,
  tasks: async () => (await import("./tasks")).mountTasks,
  subtasks: async () => (await import("./subtasks")).mountSubtasks,
  tags: async () => (await import("./tags")).mountTags,
  recovery: async () => (await import("./recovery")).mountRecovery,
  activity: async () => (await import("./activity")).mountActivity,
  achievements: async () => (await import("./achievements")).mountAchievements,
  focus: async () => (await import("./focus")).mountFocus,
  notifications: async () => (await import("./notifications")).mountNotifications,
  events: async () => (await import("./events")).mountEvents,
  push: async () => (await import("./push")).mountPush,
  credits: async () => (await import("./credits")).mountCredits,
  templates: async () => (await import("./templates")).mountTemplates,
  reminders: async () => (await import("./reminders")).mountReminders,
  notes: async () => (await import("./notes")).mountNotes,
  subscription: async () => (await import("./subscription")).mountSubscription,
  webhooks: async () => (await import("./webhooks")).mountWebhooks,
  voice: async () => (await import("./voice")).mountVoice,
  metrics: async () => (await import("./metrics")).mountMetrics,
  aiSuggestions: async () => (await import("./ai/suggestions")).mountAiSuggestions,
  aiGenerators: async () => (await import("./ai/generate")).mountAiGenerators,
  aiChat: async () => (await import("./ai/chat")).mountAiChat,
} satisfies Record<string, ResourceLoader>;

export type ResourceName = keyof typeof RESOURCES;

/**
 * Every resource mounted eagerly on `api`, the way the OpenAPI document and the route manifest are built
 * (scripts/contract.ts, GET /openapi.json). The AI gate comes first: middleware runs in registration order,
 * and only `/ai/*` operations match it.
 */
export async function mountAllResources(api: AppRouter): Promise<void> {
  const mounts = await Promise.all(Object.values(RESOURCES).map((load) => load()));
  mountAiGate(api);
  for (const mount of mounts) mount(api);
}

/** One operation as routes/manifest.ts lists it. */
export interface DescribedOperation {
  resource: string;
  method: string;
  path: string;
  flags: RouteFlags;
}

/**
 * Every operation of every resource, in mount order, with the flags its declaration registered: what
 * `npm run contract` writes to routes/manifest.ts (and `-- --check` compares).
 */
export async function describeOperations(): Promise<DescribedOperation[]> {
  const operations: DescribedOperation[] = [];
  for (const [resource, load] of Object.entries(RESOURCES)) {
    const router = createRouter();
    (await load())(router);
    const seen = new Set<string>();
    for (const { method, path } of router.routes) {
      const operation = `${method} ${path}`;
      if (method === "ALL" || seen.has(operation)) continue;
      seen.add(operation);
      const flags = registeredRouteFlags().get(operation);
      if (flags === undefined) throw new Error(`${operation} (${resource}) is not declared with defineRoute`);
      operations.push({ resource, method, path, flags });
    }
  }
  return operations;
}
