import type { Bindings } from "../../src/env";
import type { AiCountRequest, BucketRequest, GuardDecision } from "./object";

export type { AiCountDecision, BucketRequest, GuardDecision } from "./object";

/** Which guard a request is counted by: its user, or (for /auth/*, before anyone is known) its client IP. */
export type GuardSubject = { kind: "user"; userId: string } | { kind: "ip"; ip: string };

export function guardName(subject: GuardSubject): string {
  return subject.kind === "user" ? `user:${subject.userId}` : `ip:${subject.ip}`;
}

/** Typed RPC to the subject's UserGuard: one call per request (STYLE §6 – hides idFromName and stubs). */
export async function checkGuard(
  env: Bindings,
  subject: GuardSubject,
  buckets: BucketRequest[],
  now: Date,
  ai?: AiCountRequest,
): Promise<GuardDecision> {
  const stub = env.USER_GUARD.get(env.USER_GUARD.idFromName(guardName(subject)));
  return await stub.check(buckets, now.getTime(), ai);
}
