import type { AppRouter } from "../router";
import { registerCreditCheckout } from "./checkout";
import { registerGetCredits } from "./get";
import { registerCreditHistory } from "./history";

/** docs/credits.md AI credits: the balance, the ledger and buying packs (consumption and grants are service operations). */
export function mountCredits(router: AppRouter): void {
  registerGetCredits(router);
  registerCreditHistory(router);
  registerCreditCheckout(router);
}
