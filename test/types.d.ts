// Types the Workers Vitest integration reads: the Worker's bindings and main module as this project defines
// them (what `wrangler types` would generate), so `env` and `exports` from "cloudflare:workers" are typed.
import type { Bindings } from "../src/env";
import type * as MainModule from "../src/index";

declare global {
  namespace Cloudflare {
    // Declaration merging needs an interface here; it adds the project's bindings to Cloudflare.Env.
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface Env extends Bindings {}
    interface GlobalProps {
      mainModule: typeof MainModule;
      durableNamespaces: "UserGuard" | "VoiceRelay" | "UserHub";
    }
  }
}
