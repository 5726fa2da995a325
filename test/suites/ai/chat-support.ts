import { exports } from "cloudflare:workers";
import { dbRows, sql, type TestClient } from "../../support/factories";
import { newRequestId } from "../../support/requests";
import { parseFrame, SseStream } from "../../support/sse";

/** Helpers for `POST /ai/chat` tests (docs/ai.md#assistant-chat). */
export interface ChatFrame {
  event: string;
  data: Record<string, unknown>;
}

/** Every frame of a whole chat answer body. */
export function framesOf(body: string): ChatFrame[] {
  return body
    .split("\n\n")
    .filter((block) => block.trim() !== "")
    .map((block) => {
      const frame = parseFrame(block);
      return { event: frame.event ?? "message", data: JSON.parse(frame.data ?? "null") as Record<string, unknown> };
    });
}

/** A chat through the conformance-checked request helper: the whole stream, read to its end. */
export async function chat(client: TestClient, body: Record<string, unknown>, options: { key?: string } = {}): Promise<{ status: number; frames: ChatFrame[]; text: string; response: Response }> {
  const response = await client.request("POST", "/ai/chat", { body, ...(options.key !== undefined && { key: options.key }) });
  const text = await response.text();
  return { status: response.status, frames: response.status === 200 ? framesOf(text) : [], text, response };
}

/** A chat read frame by frame as it arrives (raw fetch through the Worker), for timing and order tests. */
export async function openChat(client: TestClient, body: Record<string, unknown>): Promise<SseStream> {
  const request = new Request("https://api.perpetua.test/api/v1/ai/chat", {
    method: "POST",
    headers: {
      Authorization: `Bearer ${client.accessToken}`,
      "Content-Type": "application/json",
      "Idempotency-Key": crypto.randomUUID(),
      "X-Request-ID": newRequestId("chat"),
    },
    body: JSON.stringify(body),
  });
  const response = await exports.default.fetch(request.clone());
  if (response.status !== 200) throw new Error(`chat: expected 200, got ${response.status}: ${await response.text()}`);
  return new SseStream(response, request);
}

export const chatLedger = (userId: string) =>
  dbRows<{ kind: string; amount: number; reason: string }>(sql`select kind, amount, reason from credit_ledger where user_id = ${userId} and kind in ('consume', 'refund') order by created_at, id`);
