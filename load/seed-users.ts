import { randomUUID } from "node:crypto";
import { SignJWT, importPKCS8 } from "jose";
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
  const key = await importPKCS8(stack.jwt.privateKeyPem, "RS256");
  const now = Math.floor(Date.now() / 1000);
  return Promise.all(
    userIds.map(async (userId) => ({
      userId,
      token: await new SignJWT({ sid: randomUUID(), tier: "free" })
        .setProtectedHeader({ alg: "RS256", kid: stack.jwt.kid, typ: "JWT" })
        .setSubject(userId)
        .setIssuer(stack.jwt.issuer)
        .setAudience(stack.jwt.audience)
        .setIssuedAt(now)
        .setExpirationTime(now + 3600)
        .setJti(randomUUID())
        .sign(key),
    })),
  );
}
