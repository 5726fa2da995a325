import { readFileSync } from "node:fs";
import SwaggerParser from "@apidevtools/swagger-parser";
import { describe, expect, it } from "vitest";
import { buildOpenApiDocument } from "../../src/openapi-document.ts";
import { renderRouteManifest } from "../../scripts/lib/route-manifest.ts";
import { errorCodes } from "../../src/errors/codes.ts";

interface Operation {
  summary?: string;
  tags?: string[];
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

// The same call that serves /openapi.json – generated here in Node, where the validator runs.
const built = JSON.stringify(await buildOpenApiDocument());
const generated = (): Document => JSON.parse(built) as Document;

describe("OpenAPI document (docs/operations.md)", () => {
  it("is OpenAPI 3.1 and validates with zero errors", async () => {
    const document = generated();
    expect(document.openapi).toBe("3.1.0");
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
  });

  it("is what is committed in contracts/openapi.json (run `npm run contract` after changing the API)", () => {
    const committed = JSON.parse(readFileSync(new URL("../../contracts/openapi.json", import.meta.url), "utf8")) as Document;
    expect(generated()).toEqual(committed);
  });

  it("lists every operation with its flags in src/routes/manifest.ts, which the Worker registers at start-up", async () => {
    expect(readFileSync(new URL("../../src/routes/manifest.ts", import.meta.url), "utf8")).toBe(await renderRouteManifest());
  });

  it("gives every operation a summary, tags, a 500, and only docs/errors.md error codes under their own status", () => {
    const operations = Object.values(generated().paths).flatMap((item) => Object.values(item));
    expect(operations.length).toBeGreaterThan(0);
    for (const operation of operations) {
      expect(operation.summary).toBeTruthy();
      expect(operation.tags?.length).toBeGreaterThan(0);
      expect(operation.responses["500"]).toBeDefined();
      for (const [status, response] of Object.entries(operation.responses)) {
        if (Number(status) < 400) continue;
        const schema = response.content?.["application/json"]?.schema as { properties: { error: { properties: { code: { enum: string[] } } } } };
        for (const code of schema.properties.error.properties.code.enum) {
          const entry: { status: number; alternateStatuses?: readonly number[] } = errorCodes[code as keyof typeof errorCodes];
          expect([entry.status, ...(entry.alternateStatuses ?? [])]).toContain(Number(status));
        }
      }
    }
  });

  it("documents readiness failure as 503 and liveness as needing no database", () => {
    const { paths } = generated();
    expect(paths["/api/v1/health/ready"]?.get?.responses["503"]).toBeDefined();
    expect(paths["/api/v1/health/live"]?.get?.responses["503"]).toBeUndefined();
  });
});
