import { z } from "zod";
import { ProviderFailure } from "../provider-failure";

/**
 * Checkout.com's Hosted Payments Page (docs/billing.md#checkout): ONE request –
 * `POST {base}/hosted-payments` with `Authorization: Bearer <secret key>` and
 * `{amount (minor units), currency, reference, description, billing: {address: {country}}, success_url,
 * cancel_url, failure_url, metadata}` – answering `201 {id, reference, _links: {redirect: {href}}, …}`.
 *
 * Plain `fetch` (the official SDK pulls axios for this one call). No retries here: the caller answers 503 and
 * the client retries with its Idempotency-Key.
 */
export interface HostedPaymentRequest {
  baseUrl: string;
  secretKey: string;
  timeoutMs: number;
  amount: number;
  currency: string;
  reference: string;
  description: string;
  country: string;
  successUrl: string;
  cancelUrl: string;
  failureUrl: string;
  metadata: Record<string, string>;
}

export interface HostedPaymentSession {
  id: string;
  redirectUrl: string;
  /** The session's expiry when Checkout.com names one. */
  expiresOn: string | undefined;
}

/** Why the call failed; every kind answers 503 and stores nothing. */
export class CheckoutFailure extends ProviderFailure {
  override name = "CheckoutFailure";
}

const responseSchema = z.object({
  id: z.string().min(1),
  expires_on: z.string().optional(),
  _links: z.object({ redirect: z.object({ href: z.url() }) }),
});

export async function createHostedPayment(request: HostedPaymentRequest): Promise<HostedPaymentSession> {
  const url = new URL("hosted-payments", request.baseUrl.endsWith("/") ? request.baseUrl : `${request.baseUrl}/`);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${request.secretKey}`, "Content-Type": "application/json" },
      body: JSON.stringify({
        amount: request.amount,
        currency: request.currency,
        reference: request.reference,
        description: request.description,
        billing: { address: { country: request.country } },
        success_url: request.successUrl,
        cancel_url: request.cancelUrl,
        failure_url: request.failureUrl,
        metadata: request.metadata,
      }),
      signal: AbortSignal.timeout(request.timeoutMs),
    });
    text = await response.text();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    throw new CheckoutFailure(timedOut ? "timeout" : "network", timedOut ? "Checkout.com did not answer in time." : "Checkout.com could not be reached.");
  }
  if (response.status !== 201 && response.status !== 200) throw new CheckoutFailure("status", `Checkout.com answered ${response.status}.`, response.status);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new CheckoutFailure("malformed", "Checkout.com's answer is not JSON.");
  }
  const parsed = responseSchema.safeParse(body);
  if (!parsed.success) throw new CheckoutFailure("malformed", "Checkout.com's answer has an unexpected shape.");
  return { id: parsed.data.id, redirectUrl: parsed.data._links.redirect.href, expiresOn: parsed.data.expires_on };
}
