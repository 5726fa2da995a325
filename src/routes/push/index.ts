import type { AppRouter } from "../router";
import { registerListPushSubscriptions } from "./list";
import { registerSubscribePush } from "./subscribe";
import { registerUnsubscribePush } from "./unsubscribe";
import { registerVapidPublicKey } from "./vapid-public-key";

/** docs/reminders-notifications-realtime.md#web-push: the VAPID key and the caller's push subscriptions. */
export function mountPush(router: AppRouter): void {
  registerVapidPublicKey(router);
  registerListPushSubscriptions(router);
  registerSubscribePush(router);
  registerUnsubscribePush(router);
}
