import { z } from "@hono/zod-openapi";
import { CREDIT_ENTRY_KINDS, CREDIT_LOT_KINDS } from "../../db/schema/credits";

export const creditBalanceSchema = z
  .object({
    total: z.number().int().min(0).openapi({ description: "Usable credits: lots with credits left that have not expired." }),
    by_kind: z
      .object({
        daily: z.number().int().min(0),
        subscription: z.number().int().min(0),
        purchased: z.number().int().min(0),
        kickstart: z.number().int().min(0),
      })
      .openapi({ description: "Usable credits per lot kind; consumed in this order: daily, subscription, purchased, kickstart." }),
    next_expiry: z
      .object({
        at: z.string().openapi({ format: "date-time" }),
        amount: z.number().int().min(1).openapi({ description: "Credits that expire at `at`." }),
      })
      .nullable()
      .openapi({ description: "The soonest expiry of usable credits; null when none expire." }),
  })
  .openapi("CreditBalance", {
    example: { total: 15, by_kind: { daily: 10, subscription: 0, purchased: 0, kickstart: 5 }, next_expiry: { at: "2026-03-02T00:00:00.000Z", amount: 10 } },
  });

export const creditEntrySchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(CREDIT_ENTRY_KINDS).openapi({ description: "grant, consume, expire, refund or carryover." }),
    amount: z.number().int().openapi({ description: "Signed: grant, refund and carryover add; consume and expire remove." }),
    balance_after: z.number().int().min(0).openapi({ description: "Your credits in all lots right after this entry." }),
    lot_kind: z.enum(CREDIT_LOT_KINDS).openapi({ description: "The lot the credits went to or came from." }),
    reason: z.string().openapi({ description: "Machine-readable cause, e.g. kickstart, ai_chat, daily_grant, daily_expiry." }),
    reference: z.string().nullable().openapi({ description: "What it is about: an AI interaction, a payment, a run date (`daily:YYYY-MM-DD`)." }),
    created_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("CreditEntry", {
    example: {
      id: "6f1d2c3b-4a59-4e8f-9b0a-1c2d3e4f5a6b",
      kind: "consume",
      amount: -1,
      balance_after: 14,
      lot_kind: "daily",
      reason: "ai_chat",
      reference: "0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d",
      created_at: "2026-03-01T10:30:00.000Z",
    },
  });
