import { randomUUID } from "node:crypto";
import type autocannon from "autocannon";
import { defineScenario } from "../scenario.ts";

/**
 * The identity hot path as a client lives it (docs/identity.md): sign in with a Google ID token, refresh the pair,
 * read the profile – in that order on every connection, each connection its own user (so one active
 * session per user never makes connections revoke each other). ID tokens come from the fake Google issuer
 * the bench stack starts; its JWKS is fetched once and cached, like Google's.
 *
 * Budgets (ARCHITECTURE): sign-in ≤ 2 round trips (1 here), refresh ≤ 2 (1), GET /users/me ≤ 1 (1).
 * Rate limits are raised so the scenario measures identity, not the per-IP auth limiter.
 */
const USERS = 500;

interface ConnectionState {
  idToken?: string;
  accessToken?: string;
  refreshToken?: string;
}

export default defineScenario({
  name: "auth",
  description: "POST /auth/google → POST /auth/refresh → GET /users/me, one user per connection",
  defaults: { durationSeconds: 10, connections: 50, warmupSeconds: 3 },
  vars: { RATE_LIMIT_AUTH: "1000000", RATE_LIMIT_GENERAL: "1000000" },
  async setup(stack) {
    // Google ID tokens live an hour: mint them all up front.
    const idTokens: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const response = await fetch(`${stack.google.issuerOrigin}/_control/default/mint`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ claims: { sub: `bench-${i}-${randomUUID()}`, email: `bench-${i}@example.com`, name: `Bench ${i}` } }),
      });
      idTokens.push(((await response.json()) as { id_token: string }).id_token);
    }
    let next = 0;
    const json = { "content-type": "application/json" };
    const requests: autocannon.Request[] = [
      {
        method: "POST",
        path: "/api/v1/auth/google",
        setupRequest: (request, context: ConnectionState) => {
          context.idToken ??= idTokens[next++ % idTokens.length];
          return { ...request, headers: { ...json, "cf-connecting-ip": "127.0.0.1" }, body: JSON.stringify({ id_token: context.idToken }) };
        },
        onResponse: (status, body, context: ConnectionState) => {
          if (status === 200) ({ refresh_token: context.refreshToken } = (JSON.parse(body) as { data: { refresh_token: string } }).data);
        },
      },
      {
        method: "POST",
        path: "/api/v1/auth/refresh",
        setupRequest: (request, context: ConnectionState) => ({
          ...request,
          headers: { ...json, "cf-connecting-ip": "127.0.0.1" },
          body: JSON.stringify({ refresh_token: context.refreshToken ?? "missing" }),
        }),
        onResponse: (status, body, context: ConnectionState) => {
          if (status === 200) ({ access_token: context.accessToken } = (JSON.parse(body) as { data: { access_token: string } }).data);
        },
      },
      {
        method: "GET",
        path: "/api/v1/users/me",
        setupRequest: (request, context: ConnectionState) => ({ ...request, headers: { authorization: `Bearer ${context.accessToken ?? "missing"}` } }),
      },
    ];
    return { requests };
  },
});
