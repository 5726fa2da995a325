/**
 * docs/identity.md Identity: users, login sessions (the `sid` of access tokens) and rotating refresh tokens.
 * Migration 0001_initial_schema.
 */
import { sql } from "drizzle-orm";
import { check, index, pgTable, text, uniqueIndex, uuid, type AnyPgColumn } from "drizzle-orm/pg-core";
import {
  checkLength,
  checkOneOf,
  createdAt,
  id,
  sameTruth,
  timestamptz,
  updatedAt,
  version,
} from "./columns";

export const USER_TIERS = ["free", "pro"] as const;
export type UserTier = (typeof USER_TIERS)[number];

/** Why a login session ended; `new_sign_in` implements "one active session per user" (docs/identity.md). */
export const SESSION_REVOKE_REASONS = ["logout", "new_sign_in", "refresh_token_reused", "expired"] as const;
export type SessionRevokeReason = (typeof SESSION_REVOKE_REASONS)[number];

export const users = pgTable(
  "users",
  {
    id: id(),
    /** Google's stable subject id: the identity key (an e-mail address can change hands). */
    googleSub: text("google_sub").notNull().unique("users_google_sub_unique"),
    email: text("email").notNull(),
    /** 1–100 chars (docs/identity.md); a longer or empty Google profile name must be trimmed by the sign-in service. */
    name: text("name").notNull(),
    avatarUrl: text("avatar_url"),
    /** IANA zone; validity is checked in the API (pg_timezone_names is not usable in a CHECK). */
    timezone: text("timezone").notNull().default("UTC"),
    /**
     * Denormalised from `subscriptions` so every request can read limits from one row; the billing
     * service changes both in the same statement/batch (docs/billing.md "tier changes take effect immediately").
     */
    tier: text("tier", { enum: USER_TIERS }).notNull().default("free"),
    lastSignInAt: timestamptz("last_sign_in_at"),
    version: version(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    checkLength("users_name_length", t.name, 1, 100),
    checkLength("users_email_length", t.email, 3, 320),
    check("users_avatar_url_https", sql`${t.avatarUrl} ~ '^https://' and char_length(${t.avatarUrl}) <= 2048`),
    checkLength("users_timezone_length", t.timezone, 1, 64),
    checkOneOf("users_tier_values", t.tier, USER_TIERS),
    check("users_version_positive", sql`${t.version} >= 1`),
  ],
);

/** A login session: its id is the access token's `sid` claim; refresh tokens rotate inside it. */
export const authSessions = pgTable(
  "auth_sessions",
  {
    id: id(),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    lastUsedAt: timestamptz("last_used_at"),
    revokedAt: timestamptz("revoked_at"),
    revokedReason: text("revoked_reason", { enum: SESSION_REVOKE_REASONS }),
    userAgent: text("user_agent"),
    ip: text("ip"),
  },
  (t) => [
    checkOneOf("auth_sessions_revoked_reason_values", t.revokedReason, SESSION_REVOKE_REASONS),
    check(
      "auth_sessions_revoked_together",
      sameTruth(sql`${t.revokedAt} is null`, sql`${t.revokedReason} is null`),
    ),
    checkLength("auth_sessions_user_agent_length", t.userAgent, 0, 512),
    checkLength("auth_sessions_ip_length", t.ip, 1, 45),
    /**
     * One active session per user (docs/identity.md). Sign-in must revoke the old session before inserting the new
     * one in the same atomic step (a CTE or a batch); a concurrent second sign-in then fails with 23505
     * instead of leaving two live sessions.
     */
    uniqueIndex("auth_sessions_one_active_per_user")
      .on(t.userId)
      .where(sql`${t.revokedAt} is null`),
    // 0008_indexes
    index("auth_sessions_user_idx").on(t.userId),
  ],
);

/** Opaque refresh tokens, stored only as the hex SHA-256 of the token (docs/identity.md). */
export const refreshTokens = pgTable(
  "refresh_tokens",
  {
    id: id(),
    tokenHash: text("token_hash").notNull().unique("refresh_tokens_token_hash_unique"),
    userId: uuid("user_id")
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    sessionId: uuid("session_id")
      .notNull()
      .references(() => authSessions.id, { onDelete: "cascade" }),
    expiresAt: timestamptz("expires_at").notNull(),
    revokedAt: timestamptz("revoked_at"),
    /** The token this one was rotated into: a revoked token with a successor presented again = reuse. */
    replacedBy: uuid("replaced_by").references((): AnyPgColumn => refreshTokens.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (t) => [
    check("refresh_tokens_token_hash_sha256_hex", sql`${t.tokenHash} ~ '^[0-9a-f]{64}$'`),
    // 0008_indexes
    index("refresh_tokens_session_idx").on(t.sessionId),
    index("refresh_tokens_user_idx").on(t.userId),
    // The daily purge: revoked > 7 days ago, or expired (docs/identity.md).
    index("refresh_tokens_revoked_at_idx").on(t.revokedAt).where(sql`${t.revokedAt} is not null`),
    index("refresh_tokens_expires_at_idx").on(t.expiresAt),
    index("refresh_tokens_replaced_by_idx").on(t.replacedBy).where(sql`${t.replacedBy} is not null`),
  ],
);
