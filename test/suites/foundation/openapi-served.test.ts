import { describe, expect, it } from "vitest";
import committed from "../../../contracts/openapi.json";
import { call } from "../../support/requests";

describe("served OpenAPI document and docs", () => {
  it("/openapi.json from the running Worker is the committed, validated contract", async () => {
    const response = await call("/openapi.json");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(committed);
  });

  it("/docs serves the interactive reference pointing at it", async () => {
    const response = await call("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toContain("text/html");
    const html = await response.text();
    expect(html).toContain("/openapi.json");
  });
});
