import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../../src/env";

/**
 * The three Durable Object bindings of wrangler.toml resolve to the classes exported by src/index.ts and
 * answer RPC: each object is addressed by name and says which name it was reached under.
 */
const bindings = env as unknown as Bindings;

const namespaces = {
  USER_GUARD: bindings.USER_GUARD,
  VOICE_RELAY: bindings.VOICE_RELAY,
  USER_HUB: bindings.USER_HUB,
} as const;

describe("Durable Object bindings", () => {
  it.each(Object.keys(namespaces) as (keyof typeof namespaces)[])("%s resolves and answers ping over RPC", async (binding) => {
    const namespace = namespaces[binding];
    const name = `user-${crypto.randomUUID()}`;
    const stub = namespace.get(namespace.idFromName(name));
    const before = Date.now();
    const answer = await stub.ping(name);
    expect(answer.name).toBe(name);
    expect(new Date(answer.at).getTime()).toBeGreaterThanOrEqual(before);
    // The same name reaches the same object; another name another one.
    expect(namespace.idFromName(name).equals(stub.id)).toBe(true);
    expect(namespace.idFromName(`${name}-other`).equals(stub.id)).toBe(false);
  });
});
