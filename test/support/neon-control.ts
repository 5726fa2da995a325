import { neonControl } from "./env";

export type FaultMode = "refuse" | "error" | "delay" | "after_commit";

export interface Fault {
  mode: FaultMode;
  request_id?: string;
  match?: string;
  times?: number;
  delay_ms?: number;
  code?: string;
  message?: string;
}

/** Injects a fault into the local Neon endpoint; scope it with `request_id` so parallel tests do not collide. */
export async function injectFault(fault: Fault): Promise<string> {
  const response = await fetch(`${neonControl()}/_control/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  if (!response.ok) throw new Error(`fault injection failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { id: string }).id;
}

export async function clearFault(id: string): Promise<void> {
  await fetch(`${neonControl()}/_control/faults/${id}`, { method: "DELETE" });
}

/** How many HTTP round trips to the database the request with this id made (counted by the endpoint). */
export async function roundTrips(requestId: string): Promise<number> {
  const response = await fetch(`${neonControl()}/_control/round-trips?request_id=${encodeURIComponent(requestId)}`);
  return ((await response.json()) as { round_trips: number }).round_trips;
}

/** Each finished round trip of the request with this id: when it reached the endpoint's handler and was answered (epoch ms). */
export async function roundTripSpans(requestId: string): Promise<{ arrived_at: number; answered_at: number; postgres_ms: number }[]> {
  const response = await fetch(`${neonControl()}/_control/round-trips?request_id=${encodeURIComponent(requestId)}`);
  return ((await response.json()) as { spans: { arrived_at: number; answered_at: number; postgres_ms: number }[] }).spans;
}
