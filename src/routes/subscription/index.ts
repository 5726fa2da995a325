import type { AppRouter } from "../router";
import { registerCancelSubscription } from "./cancel";
import { registerSubscriptionCheckout } from "./checkout";
import { registerGetSubscription } from "./get";

/** docs/billing.md: the Pro subscription (Checkout.com). The webhook is mounted by routes/webhooks. */
export function mountSubscription(router: AppRouter): void {
  registerGetSubscription(router);
  registerSubscriptionCheckout(router);
  registerCancelSubscription(router);
}
