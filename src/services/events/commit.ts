import type { BatchItem } from "drizzle-orm/batch";
import type { ServiceContext } from "../context";
import type { StoredResponse } from "../idempotency/types";
import { commitWrite } from "../writes";
import { afterCommit, eventStatements } from "./handlers";
import type { DomainEvent, EventMeta } from "./types";

/**
 * Round trip 2 of a write (services/writes.ts) with its domain events: the service's statements, then
 * every handler's statements, all in ONE batch with the idempotency record; after the commit, the
 * after-commit handlers are scheduled. Returns the batch results of the service's own statements.
 */
export async function commitWithEvents(
  ctx: ServiceContext,
  statements: readonly BatchItem<"pg">[],
  events: readonly DomainEvent[],
  meta: EventMeta,
  response: StoredResponse,
): Promise<unknown[]> {
  const all = [...statements, ...eventStatements(ctx, events, meta)];
  const [first, ...rest] = all;
  if (first === undefined) throw new Error("a write commits at least one statement");
  const results = (await commitWrite(ctx, [first, ...rest], response)) as unknown[];
  afterCommit(ctx, events, meta);
  return results.slice(0, statements.length);
}
