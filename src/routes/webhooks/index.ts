import type { AppRouter } from "../router";
import { registerCheckoutWebhook } from "./checkout";

/** Signed provider callbacks (no bearer token, no Idempotency-Key; docs/billing.md#webhooks). */
export function mountWebhooks(router: AppRouter): void {
  registerCheckoutWebhook(router);
}
