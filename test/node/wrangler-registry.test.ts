import { describe, expect, it } from "vitest";
import { wranglerEnvironment } from "../../scripts/lib/wrangler.ts";

/**
 * Hardening item 9: every local stack (npm run dev, npm run bench, npm test) has its own wrangler dev
 * registry, so one stack registering the Worker does not make another reload. The live check (a dev server
 * that does not reload while a test file runs) is in the hardening closing note; this pins the mechanism.
 */
describe("wrangler dev registry per stack", () => {
  it("the wrangler child gets the stack's registry in both variables wrangler and miniflare read, over inherited ones", () => {
    const env = wranglerEnvironment("/repo", "/tmp/stack-a/registry", {
      PATH: "/usr/bin",
      WRANGLER_REGISTRY_PATH: "/home/me/.config/.wrangler/registry",
      CLOUDFLARE_DEV_REGISTRY_PATH: "/shared",
    });
    expect(env.WRANGLER_REGISTRY_PATH).toBe("/tmp/stack-a/registry");
    expect(env.CLOUDFLARE_DEV_REGISTRY_PATH).toBe("/tmp/stack-a/registry");
    expect(env.PATH?.split(":")[0]).toBe("/repo/node_modules/.bin");
  });

  it("this test run uses its own registry, not the machine-wide one", () => {
    expect(process.env.WRANGLER_REGISTRY_PATH).toMatch(/\.wrangler\/test-registry$/);
    expect(process.env.CLOUDFLARE_DEV_REGISTRY_PATH).toBe(process.env.WRANGLER_REGISTRY_PATH);
  });
});
