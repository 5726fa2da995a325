import { z } from "@hono/zod-openapi";
import { SUBSCRIPTION_STATUSES } from "../../db/schema/billing";
import { USER_TIERS } from "../../db/schema/identity";

export const subscriptionSchema = z
  .object({
    tier: z.enum(USER_TIERS).openapi({ description: "What limits and Pro-only features apply right now (read from your account, not the token)." }),
    status: z.enum(SUBSCRIPTION_STATUSES).openapi({ description: "none, active, past_due (a payment failed), grace (3 failed payments or an unpaid period: still Pro for 7 days), cancelled or expired." }),
    current_period_end: z.string().nullable().openapi({ format: "date-time", description: "End of the paid period; null without one." }),
    grace_period_end: z.string().nullable().openapi({ format: "date-time", description: "While `grace`: when Pro ends unless a payment arrives." }),
    cancel_at_period_end: z.boolean().openapi({ description: "Cancelled: Pro stays until `current_period_end`, then the subscription ends." }),
  })
  .openapi("Subscription", {
    example: { tier: "pro", status: "active", current_period_end: "2026-04-01T09:00:00.000Z", grace_period_end: null, cancel_at_period_end: false },
  });

export const checkoutSessionSchema = z
  .object({
    checkout_url: z.url().openapi({ description: "Checkout.com's Hosted Payments Page: send the user there." }),
    session_id: z.string().openapi({ description: "Checkout.com's payment session id." }),
    expires_at: z.string().openapi({ format: "date-time", description: "After this the link no longer works; ask for a new one." }),
  })
  .openapi("CheckoutSession", {
    example: { checkout_url: "https://pay.checkout.com/page/hpp_9dk3a7Ypf2Lq", session_id: "hpp_9dk3a7Ypf2Lq", expires_at: "2026-03-02T09:00:00.000Z" },
  });
