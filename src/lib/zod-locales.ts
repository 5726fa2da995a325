// Bundled in place of zod's `locales/index.js` (wrangler.toml `[alias]`). zod's classic and core entry points
// re-export every one of its ~45 locales as a namespace (`z.locales`), so each is bundled and evaluated at
// start-up; the API only ever speaks English, which zod configures itself (classic/schemas.js imports
// `locales/en.js` directly). Only `en` stays reachable under `z.locales`.
export { default as en } from "zod/v4/locales/en.js";
