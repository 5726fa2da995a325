/**
 * The OpenAI SDKs as the Worker uses them at run time – the entry point of the separate SDK module
 * (docs/ai.md "Cold start"). `scripts/build-ai-sdk.ts` bundles exactly this file, with `@openai/agents`,
 * `openai` and their dependencies, into `src/generated/ai-sdk.mjs`, which wrangler uploads next to the
 * Worker's bundle as its own module; `src/ai-sdk.ts` imports it on the first AI call. Its types are this
 * file's (`src/generated/ai-sdk.d.mts`). A value the Worker needs from either SDK is added here; types can
 * still be imported from the packages with `import type` (they leave nothing in any bundle).
 */
export { Agent, OpenAIProvider, Runner, assistant, setTracingDisabled, tool, user } from "@openai/agents";
export { default as OpenAI } from "openai";
