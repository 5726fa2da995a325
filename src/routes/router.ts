import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../app-env";
import { validationHook } from "../errors/validation";

export type AppRouter = OpenAPIHono<AppEnv>;

/** Every router (app and resources) shares the zod hook that turns schema failures into docs/errors.md errors. */
export function createRouter(): AppRouter {
  return new OpenAPIHono<AppEnv>({ defaultHook: validationHook });
}
