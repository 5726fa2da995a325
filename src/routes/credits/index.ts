import type { AppRouter } from "../router";
import { registerGetCredits } from "./get";
import { registerCreditHistory } from "./history";

/** docs/credits.md AI credits: the balance and the ledger (consumption and grants are service operations). */
export function mountCredits(router: AppRouter): void {
  registerGetCredits(router);
  registerCreditHistory(router);
}
