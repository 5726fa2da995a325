import { sql, type SQL } from "drizzle-orm";
import type { SubscriptionStatus } from "../../db/schema/billing";

/**
 * The in-app notification of a subscription change (type `subscription`, docs/billing.md): what the user is
 * told, per change. `data.change` names it for clients, `data.status` is the status after it.
 */
export type SubscriptionChange = "activated" | "renewed" | "past_due" | "grace" | "cancel_scheduled" | "cancelled" | "expired" | "period_ended";

const MESSAGES: Record<SubscriptionChange, { title: string; body: string }> = {
  activated: { title: "Welcome to Pro", body: "Your Pro subscription is active." },
  renewed: { title: "Pro renewed", body: "Your Pro subscription was renewed for another month." },
  past_due: { title: "Payment failed", body: "We could not take your Pro payment; we will retry. Please check your payment method." },
  grace: { title: "Pro payment overdue", body: "Your Pro payment is overdue. You keep Pro for 7 more days; update your payment method to stay Pro." },
  cancel_scheduled: { title: "Pro cancelled", body: "Your Pro subscription ends at the end of the current period. You keep Pro until then." },
  cancelled: { title: "Pro ended", body: "Your Pro subscription ended as you asked. Your data stays; free limits apply to new items." },
  expired: { title: "Pro expired", body: "Your Pro subscription expired after the payment was not made. Your data stays; free limits apply to new items." },
  period_ended: { title: "Pro payment due", body: "Your Pro period ended without a payment. You keep Pro for 7 more days." },
};

export function changeMessage(change: SubscriptionChange): { title: string; body: string } {
  return MESSAGES[change];
}

/** An INSERT of the notification, written only `when` holds (evaluated in the same statement). */
export function notificationStatementSql(userId: string, change: SubscriptionChange, status: SubscriptionStatus, at: Date, when: SQL): SQL {
  const { title, body } = MESSAGES[change];
  return sql`
    insert into notifications (id, user_id, type, title, body, data, created_at)
    select ${crypto.randomUUID()}, ${userId}, 'subscription', ${title}, ${body},
      ${JSON.stringify({ change, status })}::jsonb, ${at.toISOString()}::timestamptz
    where ${when}`;
}
