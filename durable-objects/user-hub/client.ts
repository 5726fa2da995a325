import type { Bindings } from "../../src/env";
import type { PublishedEvent } from "./frames";
import type { HubStats, HubTestKnobs, OpenOutcome, OpenRequest } from "./object";

export type { PublishedEvent } from "./frames";
export type { HubStats, HubTestKnobs, OpenOutcome, OpenRequest } from "./object";

/** Typed RPC to a user's UserHub (STYLE §6 – hides idFromName and stubs). One hub per user id. */
function hubOf(env: Bindings, userId: string) {
  return env.USER_HUB.get(env.USER_HUB.idFromName(userId));
}

/** Opens the user's event stream (the hub consumes the ticket, enforces the cap, replays). */
export async function openHubStream(env: Bindings, userId: string, request: OpenRequest): Promise<OpenOutcome> {
  return await hubOf(env, userId).open(request);
}

/** One write's events to the user's hub, in one call; the ids the hub gave them. */
export async function publishToHub(env: Bindings, userId: string, events: PublishedEvent[]): Promise<number[]> {
  return await hubOf(env, userId).publish(events);
}

export async function hubStats(env: Bindings, userId: string): Promise<HubStats> {
  return await hubOf(env, userId).stats();
}

/** Test-only (the hub refuses outside ENVIRONMENT=test). */
export async function configureHubForTest(env: Bindings, userId: string, knobs: HubTestKnobs): Promise<void> {
  await hubOf(env, userId).configureForTest(knobs);
}
