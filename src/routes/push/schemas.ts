import { z } from "@hono/zod-openapi";
import { AUTH_MAX, P256DH_MAX, PUSH_ENDPOINT_MAX } from "../../services/push/endpoint";

const base64url = (max: number, description: string, example: string) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+={0,2}$/, "Must be base64url.")
    .openapi({ description, example });

export const pushSubscriptionSchema = z
  .object({
    id: z.uuid(),
    endpoint: z.string().openapi({ description: "The push service URL the subscription names." }),
    created_at: z.string().openapi({ format: "date-time", description: "When this user first subscribed this endpoint." }),
  })
  .openapi("PushSubscription", {
    example: { id: "6c2b4a8e-1f3d-4c5b-9a7e-0d1f2e3a4b5c", endpoint: "https://fcm.googleapis.com/fcm/send/dQw4…", created_at: "2026-03-01T09:00:00.000Z" },
  });

export const subscribeBody = z
  .strictObject({
    endpoint: z
      .string()
      .min(1)
      .max(PUSH_ENDPOINT_MAX)
      .openapi({
        description:
          "`PushSubscription.endpoint`: an https URL (≤ 2048 characters) on a public host. Loopback `http:` endpoints (127.0.0.1, [::1], localhost) are accepted only when the server runs in development or test.",
        example: "https://fcm.googleapis.com/fcm/send/dQw4w9WgXcQ:APA91b…",
      }),
    keys: z
      .strictObject({
        p256dh: base64url(P256DH_MAX, "`getKey('p256dh')`: the 65-byte uncompressed P-256 public key, base64url.", "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"),
        auth: base64url(AUTH_MAX, "`getKey('auth')`: the 16-byte authentication secret, base64url.", "tBHItJI5svbpez7KI4CCXg"),
      })
      .openapi({ description: "`PushSubscription.toJSON().keys`." }),
    expirationTime: z
      .number()
      .nullable()
      .optional()
      .openapi({ description: "`PushSubscription.toJSON().expirationTime`: accepted so the browser's object can be posted whole, and ignored (a push service's 404/410 ends a subscription)." }),
  })
  .openapi("PushSubscribe");

export const vapidPublicKeySchema = z
  .object({
    public_key: z.string().openapi({
      description: "The VAPID public key, base64url of the uncompressed P-256 point: pass it as `applicationServerKey` to `PushManager.subscribe`.",
      example: "BEl62iUYgUivxIkv69yViEuiBIa-Ib9-SkvMeAtA3LFgDzkrxZJjSgSnfckjBJuBkr3qBUYIHBQFLXYp5Nksh8U",
    }),
  })
  .openapi("VapidPublicKey");
