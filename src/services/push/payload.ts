import type { Notification } from "../notifications/present";

/**
 * The push message a service worker receives (`event.data.json()`): the notification exactly as the API
 * presents it (docs/reminders-notifications-realtime.md#notifications), so a client renders a push and an
 * in-app entry the same way. Kept within PUSH_PAYLOAD_MAX_BYTES (push services guarantee ~4 KB after
 * encryption): a longer `body` is cut at a character boundary and ends with "…"; should `data` alone be too
 * big, it is sent empty (the client still has the notification's id to fetch it).
 */
export const PUSH_PAYLOAD_MAX_BYTES = 3072;
const encoder = new TextEncoder();

export function pushPayload(notification: Notification): string {
  const fits = (candidate: Notification) => encoder.encode(JSON.stringify(candidate)).length <= PUSH_PAYLOAD_MAX_BYTES;
  if (fits(notification)) return JSON.stringify(notification);
  const base = fits({ ...notification, body: "" }) ? notification : { ...notification, data: {} };
  const characters = Array.from(base.body);
  // The longest prefix of the body (in code points) that fits with the ellipsis.
  let low = 0;
  let high = characters.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits({ ...base, body: `${characters.slice(0, middle).join("")}…` })) low = middle;
    else high = middle - 1;
  }
  const cut = { ...base, body: low === characters.length ? base.body : `${characters.slice(0, low).join("")}…` };
  return JSON.stringify(fits(cut) ? cut : { ...cut, body: "", title: Array.from(cut.title).slice(0, 100).join("") });
}
