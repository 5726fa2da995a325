import { z } from "@hono/zod-openapi";
import { focusStats } from "../../services/focus/stats";
import { defineRoute } from "../define-route";
import type { AppRouter } from "../router";
import { AUTHED_ERRORS } from "../shared-schemas";
import { focusDaySchema } from "./schemas";

const route = defineRoute({
  method: "get",
  path: "/focus/stats",
  tags: ["Focus"],
  summary: "Focus statistics per day",
  description:
    "docs/reminders-notifications-realtime.md#focus-mode: the last 30 days up to today as calendar days of your time zone (`timezone` of `GET /users/me`), oldest first, always 30 entries (days without sessions are zeros). A session counts on the local day it started. One database round trip.",
  errors: [...AUTHED_ERRORS],
  responses: {
    200: {
      description: "30 days, oldest first.",
      content: { "application/json": { schema: z.object({ data: z.array(focusDaySchema).length(30) }) } },
    },
  },
});

export function registerFocusStats(router: AppRouter): void {
  router.openapi(route, async (c) => {
    const stats = await focusStats({ ctx: c.get("services") });
    return c.json(stats, 200);
  });
}
