import { z } from "zod";
import type { UserGuard } from "../durable-objects/user-guard/object";
import type { VoiceRelay } from "../durable-objects/voice-relay/object";
import type { UserHub } from "../durable-objects/user-hub/object";
import type { MetricsAggregate } from "../durable-objects/metrics-aggregate/object";

/**
 * Worker bindings: what wrangler.toml wires (Durable Objects, Queues) plus the raw string variables of
 * docs/configuration.md. Variables are parsed by `configSchema` below; code reads the parsed `Config`, never raw strings.
 */
export interface Bindings {
  USER_GUARD: DurableObjectNamespace<UserGuard>;
  VOICE_RELAY: DurableObjectNamespace<VoiceRelay>;
  USER_HUB: DurableObjectNamespace<UserHub>;
  METRICS_AGGREGATE: DurableObjectNamespace<MetricsAggregate>;
  REMINDERS_QUEUE: Queue;
  RECURRING_QUEUE: Queue;
  PUSH_QUEUE: Queue;
  [variable: string]: unknown;
}

/** Default deadline of one database HTTP round trip (DATABASE_TIMEOUT_MS). */
export const DEFAULT_DATABASE_TIMEOUT_MS = 10_000;

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

const csv = z
  .string()
  .default("")
  .transform((value) =>
    value
      .split(",")
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value));

const optionalUrl = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === "" ? undefined : value))
  .pipe(z.url().optional());

const currency = z.string().regex(/^[A-Z]{3}$/, "must be an ISO 4217 currency code").default("USD");

/** One credit pack (docs/credits.md#credit-packs): credits granted, price in minor units, currency. */
export const creditPackSchema = z.strictObject({
  credits: z.number().int().min(1).max(100_000),
  amount: z.number().int().min(1),
  currency: z.string().regex(/^[A-Z]{3}$/),
});
export type CreditPack = z.output<typeof creditPackSchema>;

export const DEFAULT_CREDIT_PACKS = '{"small": {"credits": 50, "amount": 499, "currency": "USD"}}';

const creditPacks = z
  .string()
  .default(DEFAULT_CREDIT_PACKS)
  .transform((value, context): Record<string, CreditPack> => {
    let raw: unknown;
    try {
      raw = JSON.parse(value);
    } catch {
      context.addIssue({ code: "custom", message: "must be JSON" });
      return z.NEVER;
    }
    const parsed = z.record(z.string().regex(/^[a-z][a-z0-9_]{0,31}$/), creditPackSchema).safeParse(raw);
    if (!parsed.success || Object.keys(parsed.data).length === 0) {
      context.addIssue({ code: "custom", message: 'must be {"<pack>": {"credits": n, "amount": minor units, "currency": "USD"}, …} with at least one pack (names: a-z, 0-9, _)' });
      return z.NEVER;
    }
    return parsed.data;
  });

/**
 * docs/configuration.md: every variable, its validation and its default. A deployment with a bad value fails loudly:
 * `loadConfig` reports every offending variable by name (see middleware/config.ts).
 */
export const configSchema = z.object({
  ENVIRONMENT: z.enum(["development", "test", "staging", "production"]).default("development"),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// connection string"),
  NEON_FETCH_ENDPOINT: optionalUrl,
  // Deadline of every database round trip (db/client.ts); past it the request answers 503 with Retry-After.
  DATABASE_TIMEOUT_MS: int(DEFAULT_DATABASE_TIMEOUT_MS, 100, 120_000),

  JWT_PRIVATE_KEY: optionalString,
  JWT_KEY_ID: optionalString,
  JWT_PREVIOUS_PUBLIC_KEYS: optionalString,
  JWT_ISSUER: z.string().min(1).default("perpetua-flow"),
  JWT_AUDIENCE: z.string().min(1).default("perpetua-flow-api"),
  ACCESS_TOKEN_TTL_SECONDS: int(900, 60, 86_400),
  REFRESH_TOKEN_TTL_SECONDS: int(604_800, 3_600, 31_536_000),

  GOOGLE_CLIENT_IDS: csv,
  GOOGLE_JWKS_URL: z.url().default("https://www.googleapis.com/oauth2/v3/certs"),
  CORS_ORIGINS: csv,

  RATE_LIMIT_GENERAL: int(100, 1),
  RATE_LIMIT_AI: int(20, 1),
  RATE_LIMIT_AUTH: int(10, 1),
  RATE_LIMIT_WINDOW_SECONDS: int(60, 1, 86_400),
  AI_TASK_WARN_AT: int(5, 1),
  AI_TASK_BLOCK_AFTER: int(10, 1),

  OPENAI_API_KEY: optionalString,
  OPENAI_MODEL: z.string().min(1).default("gpt-4o-mini"),
  OPENAI_BASE_URL: optionalUrl,
  AI_TIMEOUT_SECONDS: int(30, 1, 300),

  DEEPGRAM_API_KEY: optionalString,
  DEEPGRAM_BASE_URL: z.url().default("https://api.deepgram.com"),
  // Deadline of one pre-recorded transcription call (docs/notes-and-voice.md#batch-transcription).
  DEEPGRAM_TIMEOUT_SECONDS: int(120, 1, 600),

  CHECKOUT_SECRET_KEY: optionalString,
  CHECKOUT_WEBHOOK_SECRET: optionalString,
  CHECKOUT_BASE_URL: z.url().default("https://api.checkout.com"),
  CHECKOUT_PRO_PRICE: int(999, 1),
  CHECKOUT_PRO_CURRENCY: currency,
  // Where the Hosted Payments Page sends the user back (docs/billing.md#checkout); unset → checkout answers 503.
  CHECKOUT_SUCCESS_URL: optionalUrl,
  CHECKOUT_CANCEL_URL: optionalUrl,
  CHECKOUT_FAILURE_URL: optionalUrl,
  // ISO 3166-1 alpha-2 country sent as billing.address.country (the Hosted Payments Page requires one).
  CHECKOUT_BILLING_COUNTRY: z.string().regex(/^[A-Z]{2}$/, "must be an ISO 3166-1 alpha-2 country code").default("US"),
  // Deadline of one call to Checkout.com (POST /hosted-payments), milliseconds.
  CHECKOUT_TIMEOUT_MS: int(10_000, 100, 60_000),
  // docs/credits.md#credit-packs: {"<pack>": {"credits", "amount" (minor units), "currency"}}.
  CREDIT_PACKS: creditPacks,

  // Web Push (docs/configuration.md): all three or none (none: push delivery is off).
  VAPID_PUBLIC_KEY: optionalString.pipe(
    z.string().regex(/^B[A-P][A-Za-z0-9_-]{85}$/, "must be base64url of a 65-byte uncompressed P-256 point (87 characters, starting B)").optional(),
  ),
  VAPID_PRIVATE_KEY: optionalString.pipe(z.string().regex(/^[A-Za-z0-9_-]{43}$/, "must be base64url of the 32-byte private scalar d (43 characters)").optional()),
  VAPID_SUBJECT: optionalString.pipe(z.string().regex(/^(mailto:\S+@\S+|https:\/\/\S+)$/, "must be a mailto: or https: contact URL").optional()),

  SENTRY_DSN: optionalUrl,
  METRICS_TOKEN: optionalString,

  FREE_MAX_TASKS: int(50, 1),
  FREE_MAX_TEMPLATES: int(3, 1),
  FREE_MAX_SUBTASKS: int(4, 0),
  PRO_MAX_SUBTASKS: int(10, 0),
  FREE_DESCRIPTION_MAX: int(1000, 1, 2000),
  PRO_DESCRIPTION_MAX: int(2000, 1, 2000),
  FREE_DUE_DATE_MAX_DAYS: int(30, 1),
  // docs/notes-and-voice.md: free note limits (Pro has no note-count limit); content length per tier.
  FREE_MAX_NOTES_PER_TASK: int(10, 0),
  FREE_MAX_STANDALONE_NOTES: int(50, 0),
  FREE_NOTE_MAX: int(2000, 1, 10_000),
  PRO_NOTE_MAX: int(10_000, 1, 10_000),

  KICKSTART_CREDITS: int(5),
  PRO_DAILY_CREDITS: int(10),
  PRO_MONTHLY_CREDITS: int(100),
  MAX_CREDIT_CARRYOVER: int(50),
  AI_CREDIT_CHAT: int(1),
  AI_CREDIT_SUBTASK: int(1),
  AI_CREDIT_CONVERSION: int(1),
  AI_CREDIT_TRANSCRIPTION_PER_MIN: int(5),
});

// A deployed Worker must sign its own tokens: without a key every sign-in and authenticated call would be a
// 500 later, so staging/production refuse to start without one (development and tests generate theirs).
const deployedSchema = configSchema.superRefine((config, context) => {
  // Half a VAPID configuration is a mistake, not "push off": name what is missing.
  const vapid = ["VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY", "VAPID_SUBJECT"] as const;
  if (vapid.some((variable) => config[variable] !== undefined)) {
    for (const variable of vapid) {
      if (config[variable] === undefined) context.addIssue({ code: "custom", path: [variable], message: "required with the other VAPID_* variables" });
    }
  }
  if (config.ENVIRONMENT !== "staging" && config.ENVIRONMENT !== "production") return;
  for (const variable of ["JWT_PRIVATE_KEY", "JWT_KEY_ID"] as const) {
    if (config[variable] === undefined) {
      context.addIssue({ code: "custom", path: [variable], message: `required when ENVIRONMENT is ${config.ENVIRONMENT}` });
    }
  }
});

export type Config = z.output<typeof configSchema>;

export type ConfigResult =
  | { ok: true; config: Config }
  | { ok: false; problems: { variable: string; message: string }[] };

const cache = new WeakMap<object, ConfigResult>();

/**
 * Parses the Worker environment once per isolate and environment object (the object is stable for the
 * isolate's life, so the WeakMap keeps parsing off the hot path). Empty strings count as "not set" so a
 * blank line in `.dev.vars` falls back to the default instead of failing.
 */
export function loadConfig(env: Bindings): ConfigResult {
  const cached = cache.get(env);
  if (cached) return cached;
  const raw: Record<string, unknown> = {};
  for (const key of Object.keys(configSchema.shape)) {
    const value = env[key];
    if (typeof value === "string" && value.trim() === "") continue;
    if (value !== undefined) raw[key] = value;
  }
  const parsed = deployedSchema.safeParse(raw);
  const result: ConfigResult = parsed.success
    ? { ok: true, config: parsed.data }
    : {
        ok: false,
        problems: parsed.error.issues.map((issue) => ({
          variable: String(issue.path[0] ?? "(unknown)"),
          message: issue.message,
        })),
      };
  cache.set(env, result);
  return result;
}
