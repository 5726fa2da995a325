import { sql, type SQL } from "drizzle-orm";
import { iso } from "../tasks/present";

export const NOTIFICATION_KINDS = ["reminder", "achievement", "subscription", "system"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

/** An in-app notification as the API sends it (docs/reminders-notifications-realtime.md#notifications). */
export interface Notification {
  id: string;
  kind: NotificationKind;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read: boolean;
  created_at: string;
}

export interface NotificationRecord extends Record<string, unknown> {
  id: string;
  type: string;
  title: string;
  body: string;
  data: Record<string, unknown>;
  read_at: string | null;
  /** The database's own text of the timestamp (microseconds kept, for cursors). */
  created_at: string;
}

/** The columns of a NotificationRecord of `notifications n`. */
export const notificationColumns: SQL = sql`n.id, n.type, n.title, n.body, n.data, n.read_at, n.created_at::text as created_at`;

/**
 * The stored `type` is an open slug; the API's `kind` is one of four, so a client can switch on it: a type
 * the API does not know (written by a later feature before this list learnt it) is a `system` notification.
 */
function kindOf(type: string): NotificationKind {
  return (NOTIFICATION_KINDS as readonly string[]).includes(type) ? (type as NotificationKind) : "system";
}

export function presentNotification(row: NotificationRecord): Notification {
  return {
    id: row.id,
    kind: kindOf(row.type),
    title: row.title,
    body: row.body,
    data: row.data,
    read: row.read_at !== null,
    created_at: iso(row.created_at),
  };
}
