import { describe, expect, it } from "vitest";
import { errorOf, newClient } from "../../support/factories";

describe("tags – errors", () => {
  it("deleting an unknown tag → 404; an over-long name → 400", async () => {
    const client = await newClient();
    expect(await errorOf(await client.request("DELETE", "/tags/never-used"))).toMatchObject({ status: 404, code: "NOT_FOUND" });
    expect(await errorOf(await client.request("DELETE", `/tags/${"x".repeat(60)}`, { invalid: true }))).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
    expect(await errorOf(await client.request("DELETE", "/tags/%20%20", { invalid: true }))).toMatchObject({ status: 400, code: "VALIDATION_ERROR" });
  });
});
