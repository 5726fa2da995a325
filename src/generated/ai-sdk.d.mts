// Types of the generated SDK module next to this file (ai-sdk.mjs, git-ignored, built by
// scripts/build-ai-sdk.ts from src/services/ai/sdk-entry.ts): exactly that entry's exports.
export * from "../services/ai/sdk-entry";
