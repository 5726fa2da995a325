import { describe, expect, it } from "vitest";
import { lazy } from "../../src/lib/lazy.ts";

describe("lazy (src/lib/lazy.ts)", () => {
  it("builds once, and parallel callers share the one build", async () => {
    let builds = 0;
    const value = lazy(async () => ({ build: ++builds }));
    const results = await Promise.all([value(), value(), value()]);
    expect(await value()).toBe(results[0]);
    expect(results.every((result) => result === results[0])).toBe(true);
    expect(builds).toBe(1);
  });

  it("does not remember a failed build: the next call builds again", async () => {
    let builds = 0;
    const value = lazy(async () => {
      builds += 1;
      if (builds === 1) throw new Error("module did not load");
      return "loaded";
    });
    await expect(value()).rejects.toThrow("module did not load");
    expect(await value()).toBe("loaded");
    expect(await value()).toBe("loaded");
    expect(builds).toBe(2);
  });
});
