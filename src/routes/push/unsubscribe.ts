import { unsubscribePush } from "../../services/push/subscriptions";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS, uuidParam } from "../shared-schemas";

const route = defineRoute({
  method: "delete",
  path: "/push/subscriptions/{id}",
  tags: ["Web Push"],
  summary: "Unregister a browser",
  description: "Deletes one of your subscriptions; pushes not yet sent to it are dropped. Unknown or someone else's → 404.",
  errors: [...AUTHED_ERRORS, "NOT_FOUND"],
  request: { params: uuidParam("The subscription id.") },
  responses: { 204: { description: "Deleted." } },
});

export function registerUnsubscribePush(router: AppRouter): void {
  router.openapi(route, async (c) => {
    await unsubscribePush({ ctx: c.get("services"), input: { id: c.req.valid("param").id } });
    return c.body(null, 204);
  });
}
