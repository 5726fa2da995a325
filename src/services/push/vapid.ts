import { ApiError } from "../../errors/api-error";
import type { Config } from "../../env";
import type { ServiceContext } from "../context";
import type { VapidKeys } from "./web-push";

/**
 * The server's VAPID key pair (docs/configuration.md VAPID_PUBLIC_KEY / VAPID_PRIVATE_KEY / VAPID_SUBJECT),
 * or undefined when Web Push is not configured: src/env.ts accepts all three or none, each in its format.
 */
export function vapidKeys(config: Config): VapidKeys | undefined {
  const { VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey, VAPID_SUBJECT: subject } = config;
  if (publicKey === undefined || privateKey === undefined || subject === undefined) return undefined;
  return { publicKey, privateKey, subject };
}

/**
 * `GET /push/vapid-public-key`: the `applicationServerKey` for `PushManager.subscribe`. Without a
 * configuration → `503 SERVICE_UNAVAILABLE` saying so (a client should hide its push toggle). No I/O.
 */
export function vapidPublicKey({ ctx }: { ctx: ServiceContext }): { public_key: string } {
  const keys = vapidKeys(ctx.config);
  if (keys === undefined) throw new ApiError("SERVICE_UNAVAILABLE", { message: "Web Push is not configured on this server." });
  return { public_key: keys.publicKey };
}
