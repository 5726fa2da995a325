/**
 * The separate OpenAI SDK module (docs/ai.md "Cold start"): `src/generated/ai-sdk.mjs`, built by
 * `scripts/build-ai-sdk.ts` from `src/services/ai/sdk-entry.ts` and uploaded by wrangler as a module of its
 * own (wrangler.toml `find_additional_modules`), so the Worker's start-up does not evaluate the SDKs.
 *
 * This file must stay next to `src/index.ts`: wrangler leaves the import below in the bundle exactly as
 * written, and the bundle (`index.js`) sits at the root of the uploaded modules, beside `generated/`. In the
 * tests Vite resolves the same specifier from this file, so they load the same generated module.
 */
import type * as AiSdkModule from "./generated/ai-sdk.mjs";

export type AiSdk = typeof AiSdkModule;

/** Evaluates the SDK module (once per isolate: the runtime caches it like any module). */
export function importAiSdk(): Promise<AiSdk> {
  return import("./generated/ai-sdk.mjs");
}
