import { z } from "@hono/zod-openapi";
import { canonicalTimeZone } from "../../services/users/timezone";

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string().openapi({ description: "From the Google account; updated at each sign-in." }),
    name: z.string().openapi({ description: "1–100 characters. Set from Google at each sign-in; editable." }),
    avatar_url: z.string().nullable().openapi({ description: "https URL or null." }),
    timezone: z.string().openapi({ description: "IANA time zone, e.g. Europe/Berlin." }),
    tier: z.enum(["free", "pro"]),
    version: z.number().int().openapi({ description: "Optimistic-locking version (docs/conventions.md#optimistic-locking)." }),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("User", {
    example: {
      id: "6f1c2b9e-8a41-4a53-9a3e-2f7d0c1b5e42",
      email: "ada@example.com",
      name: "Ada Lovelace",
      avatar_url: "https://lh3.googleusercontent.com/a/photo",
      timezone: "Europe/London",
      tier: "free",
      version: 1,
      created_at: "2026-03-01T09:00:00.000Z",
      updated_at: "2026-03-01T09:00:00.000Z",
    },
  });

/** A valid IANA zone, normalised to its canonical spelling (services/users/timezone.ts). */
export const timezoneSchema = z
  .string()
  .transform((zone, context) => {
    const canonical = canonicalTimeZone(zone);
    if (canonical === undefined) {
      context.addIssue({ code: "custom", message: "Not a valid IANA time zone (e.g. Europe/Berlin)." });
      return z.NEVER;
    }
    return canonical;
  })
  .openapi({ type: "string", description: "IANA time zone, e.g. America/New_York.", example: "Europe/Berlin" });

