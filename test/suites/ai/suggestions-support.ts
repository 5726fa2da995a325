import { addSuggestionNow } from "../../../src/services/ai/suggestions/store";
import type { NewSuggestion, Suggestion, SuggestionOutcome } from "../../../src/services/ai/suggestions/types";
import { userServiceContext } from "../../support/service-context";
import type { TestClient } from "../../support/factories";

/**
 * Suggestions as the AI agents store them (the model is not ours to drive here): through `addSuggestionNow`
 * with a service context of the user, exactly the call the streaming chat makes.
 */
export async function propose(userId: string, proposal: NewSuggestion): Promise<SuggestionOutcome> {
  const { ctx, settled } = userServiceContext(userId);
  const outcome = await addSuggestionNow(ctx, proposal);
  await settled();
  return outcome;
}

/** A chat_action suggestion that must be stored. */
export async function proposeAction(client: TestClient, actionType: string, payload: unknown, extra: { taskId?: string } = {}): Promise<Suggestion> {
  const outcome = await propose(client.userId, {
    kind: "chat_action",
    actionType,
    payload,
    conversationId: crypto.randomUUID(),
    interactionId: crypto.randomUUID(),
    ...(extra.taskId !== undefined && { taskId: extra.taskId }),
  });
  if (!outcome.stored) throw new Error(`suggestion dropped: ${outcome.reason}`);
  return outcome.suggestion;
}
