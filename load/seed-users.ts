import { randomUUID } from "node:crypto";
import { mintAccessToken } from "../scripts/lib/mint-access-token.ts";
import pg from "pg";
import type { BenchStack } from "./scenario.ts";

/**
 * Inserts `count` free-tier users straight into the bench database and signs an access token for each with
 * the Worker's own key – what a client holds after sign-in, without measuring sign-in. Tokens live an hour:
 * longer than start-up + warm-up + any run the bench allows.
 */
export async function seedUsersWithTokens(stack: BenchStack, count: number): Promise<{ userId: string; token: string }[]> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  let userIds: string[];
  try {
    const prefix = randomUUID().slice(0, 8);
    const { rows } = await client.query<{ id: string }>(
      `insert into users (google_sub, email, name)
       select $2 || '-' || n, $2 || '-' || n || '@example.test', 'Bench ' || n from generate_series(1, $1::int) n
       returning id`,
      [count, `bench-${prefix}`],
    );
    userIds = rows.map((row) => row.id);
  } finally {
    await client.end();
  }
  return Promise.all(
    userIds.map(async (userId) => ({ userId, token: await benchAccessToken(stack, userId, "free") })),
  );
}

/** Gives each user one purchased credit lot of `amount` (docs/credits.md), so AI calls are charged, not refused. */
export async function grantCredits(stack: BenchStack, userIds: readonly string[], amount: number): Promise<void> {
  const client = new pg.Client({ connectionString: stack.databaseUrl });
  await client.connect();
  try {
    await client.query(
      `insert into credit_lots (user_id, kind, amount, remaining, source, reference)
       select id, 'purchased', $2::int, $2::int, 'bench', 'bench:' || id from unnest($1::uuid[]) id`,
      [userIds, amount],
    );
  } finally {
    await client.end();
  }
}

/** A Worker-signed access token for a bench user, valid an hour (start-up + warm-up + any run length). */
export function benchAccessToken(stack: BenchStack, userId: string, tier: "free" | "pro"): Promise<string> {
  return mintAccessToken({
    privateKeyPem: stack.jwt.privateKeyPem,
    kid: stack.jwt.kid,
    sub: userId,
    tier,
    issuer: stack.jwt.issuer,
    audience: stack.jwt.audience,
    ttlSeconds: 3600,
  });
}
