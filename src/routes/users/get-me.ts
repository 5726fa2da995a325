import type { AppRouter } from "../router";
import { getMe } from "../../services/users/get-me";
import { dataEnvelope, defineRoute } from "../define-route";
import { AUTHED_ERRORS } from "../shared-schemas";
import { userSchema } from "./schemas";

const route = defineRoute({
  method: "get",
  path: "/users/me",
  tags: ["Users"],
  summary: "The signed-in user",
  description: "Profile, tier, time zone and `version` (send it back with PATCH).",
  errors: AUTHED_ERRORS,
  responses: {
    200: { description: "The user.", content: { "application/json": { schema: dataEnvelope(userSchema) } } },
  },
});

export function registerGetMe(router: AppRouter): void {
  router.openapi(route, async (c) => c.json({ data: await getMe({ ctx: c.get("services") }) }, 200));
}
