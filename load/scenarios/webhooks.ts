import { createHmac, randomUUID } from "node:crypto";
import pg from "pg";
import type { BenchStack } from "../scenario.ts";
import { defineScenario } from "../scenario.ts";

/**
 * `POST /webhooks/checkout` under load (docs/billing.md "webhooks"): 200 seeded users, one per connection, each
 * connection delivering Checkout.com `payment_captured` events for its user's Pro session – every event a new
 * payment, so every one renews Pro (period + 1 month, the subscription credits with the carry-over rule) in its
 * two round trips. Each user has a stored Pro checkout session (seeded as `POST /subscription/checkout` writes
 * it); bodies carry its `reference` and a real `Cko-Signature` (hex HMAC-SHA256 of the exact bytes). Every answer
 * must be 200. The latency is the webhook's processing time – the SLO is 30 s.
 */
const USERS = 200;
const SECRET_KEY = "sk_bench_0123456789abcdef";
const WEBHOOK_SECRET = "whsec_bench_fedcba9876543210";
const PRICE = 999;

interface ConnectionState {
  user?: { id: string; reference: string };
  sequence?: number;
}

async function seed(stack: BenchStack): Promise<{ id: string; reference: string }[]> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string }>(
      `insert into users (google_sub, email, name) select 'hook-' || n, 'hook-' || n || '@example.test', 'Hook ' || n
       from generate_series(1, $1::int) n returning id`,
      [USERS],
    );
    // One stored Pro checkout session per user, as POST /subscription/checkout writes it: the webhook finds
    // the user and the price through the session its payment's reference names.
    const sessions = rows.map((row) => ({ id: row.id, reference: `pf_bench_${randomUUID().replace(/-/g, "").slice(0, 24)}` }));
    await client.query(
      `insert into checkout_sessions (user_id, product, reference, provider_session_id, amount, currency, expires_at)
       select s.user_id, 'pro', s.reference, 'hpp_' || s.reference, $2::int, 'USD', now() + interval '1 day'
       from jsonb_to_recordset($1::jsonb) as s(user_id uuid, reference text)`,
      [JSON.stringify(sessions.map((session) => ({ user_id: session.id, reference: session.reference }))), PRICE],
    );
    return sessions;
  } finally {
    await client.end();
  }
}

function capturedEvent(user: { id: string; reference: string }, sequence: number): string {
  const id = `evt_${randomUUID().replace(/-/g, "")}`;
  // Each event a little later than the previous one of its user: in order, as Checkout.com mostly sends them.
  const time = new Date(Date.now() + sequence).toISOString();
  return JSON.stringify({
    id,
    type: "payment_captured",
    version: "1.0.33",
    created_on: time,
    data: {
      id: `pay_${randomUUID().replace(/-/g, "")}`,
      action_id: `act_${randomUUID().replace(/-/g, "")}`,
      amount: PRICE,
      currency: "USD",
      reference: user.reference,
      response_code: "10000",
      metadata: { user_id: user.id, product: "pro" },
      processed_on: time,
    },
  });
}

export default defineScenario({
  name: "webhooks",
  description: "Checkout.com payment_captured webhooks, signed, each renewing Pro (200 users, one per connection): processing time",
  defaults: { durationSeconds: 20, connections: 50 },
  vars: { CHECKOUT_SECRET_KEY: SECRET_KEY, CHECKOUT_WEBHOOK_SECRET: WEBHOOK_SECRET, CHECKOUT_PRO_PRICE: String(PRICE), CHECKOUT_PRO_CURRENCY: "USD" },
  async setup(stack) {
    const users = await seed(stack);
    let next = 0;
    return {
      requests: [
        {
          method: "POST",
          path: "/api/v1/webhooks/checkout",
          setupRequest: (request, context: ConnectionState) => {
            context.user ??= users[next++ % users.length];
            context.sequence = (context.sequence ?? 0) + 1;
            if (context.user === undefined) throw new Error("no seeded user");
            const body = capturedEvent(context.user, context.sequence);
            const signature = createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex");
            return { ...request, body, headers: { ...request.headers, "content-type": "application/json", "cko-signature": signature } };
          },
        },
      ],
    };
  },
});
