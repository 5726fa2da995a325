import { describe, expect, it } from "vitest";
import { EVERY_MINUTE } from "../../../cron";
import { dbRows, errorOf, newClient, sql } from "../../support/factories";
import { runOnly, worker } from "../../support/scheduled";
import { proposeAction } from "./suggestions-support";

runOnly(EVERY_MINUTE, ["expire_ai_suggestions"]);

const rowOf = async (id: string) => (await dbRows<{ status: string; resolved_at: string | null; expires_at: string }>(sql`select status, resolved_at::text, expires_at::text from ai_suggestions where id = ${id}`))[0];

describe("expiry sweep (every minute)", () => {
  it("marks pending suggestions past expires_at expired, idempotently; fresh and resolved ones are left alone", async () => {
    const client = await newClient();
    const [stale, fresh, rejected] = await Promise.all([
      proposeAction(client, "create_task", { title: "stale" }),
      proposeAction(client, "create_task", { title: "fresh" }),
      proposeAction(client, "create_task", { title: "rejected" }),
    ]);
    await client.request("POST", `/ai/suggestions/${rejected.id}/reject`);
    // Proposed 25 h ago (only this row is moved back: the sweep runs at the real now, so other files' rows stay valid).
    await dbRows(sql`update ai_suggestions set created_at = now() - interval '25 hours', expires_at = now() - interval '1 hour' where id = ${stale.id}`);
    const scheduled = new Date();
    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: scheduled });
    const swept = await rowOf(stale.id);
    expect(swept?.status).toBe("expired");
    expect(swept?.resolved_at).toBe(swept?.expires_at);
    expect((await rowOf(fresh.id))?.status).toBe("pending");
    expect((await rowOf(rejected.id))?.status).toBe("rejected");
    await worker.scheduled({ cron: EVERY_MINUTE, scheduledTime: scheduled });
    expect(await rowOf(stale.id)).toEqual(swept);
    expect(await errorOf(await client.request("POST", `/ai/suggestions/${stale.id}/confirm`))).toMatchObject({ status: 409, code: "SUGGESTION_NOT_PENDING" });
  });
});
