import { ApiError } from "../../errors/api-error";
import type { ServiceContext } from "../context";
import { requireUserId } from "../users/get-me";
import { presentSubscription, stateOf, subscriptionStatement, type SubscriptionView } from "./state";

/** `GET /subscription` (docs/billing.md#subscription-state): the tier from the users row and the subscription. One round trip. */
export async function getSubscription({ ctx }: { ctx: ServiceContext }): Promise<SubscriptionView> {
  const userId = requireUserId(ctx);
  const row = (await subscriptionStatement(ctx, userId)).rows[0];
  if (row === undefined) throw new ApiError("UNAUTHORIZED");
  return presentSubscription(row.tier, stateOf(row));
}
