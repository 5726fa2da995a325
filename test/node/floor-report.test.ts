import { describe, expect, it } from "vitest";
import type { Operation } from "../../load/floor/operations.ts";
import { phasesOf, renderFloor, summariseFloor, type Sample } from "../../load/floor/report.ts";

/**
 * The `floor` bench's arithmetic (load/floor/report.ts): a request cut at its round trips from the client's
 * clock and the local Neon endpoint's spans, and the table of where the time over the floor is.
 */
const write: Operation = {
  name: "POST /tasks",
  kind: "write",
  prepare: () => Promise.reject(new Error("not sent in this test")),
};

const reference: Operation = { ...write, name: "GET /health/ready", kind: "reference" };

function sample(ms: number, roundTrips: number, phases?: Sample["phases"]): Sample {
  return { requestId: `r-${ms}`, warmup: false, status: 200, ms, roundTrips, afterResponse: 0, ...(phases && { phases }) };
}

describe("floor report", () => {
  it("cuts a request at its round trips: before, between, after and the endpoint beyond its delay", () => {
    const sentAt = 1_000_000;
    const spans = [
      { arrivedAt: sentAt + 6, answeredAt: sentAt + 33, postgresMs: 1.5 },
      { arrivedAt: sentAt + 35.5, answeredAt: sentAt + 64, postgresMs: 2.5 },
    ];
    const phases = phasesOf({ sentAt, ms: 70 }, spans, 25);
    expect(phases).toEqual({ before: 6, between: 2.5, after: 6, endpointBeyondDelay: 5.5, postgres: 4 });
    // The parts add up to the wall time: before + spans + between + after.
    const spanned = spans.reduce((sum, span) => sum + span.answeredAt - span.arrivedAt, 0);
    expect((phases?.before ?? 0) + spanned + (phases?.between ?? 0) + (phases?.after ?? 0)).toBe(70);
    expect(phasesOf({ sentAt, ms: 9 }, [], 25)).toBeUndefined();
  });

  it("reports each phase's median and the excess over platform and floor, leaving warm-up out", () => {
    const phases = (before: number) => ({ before, between: 2, after: 5, endpointBeyondDelay: 4, postgres: 3 });
    const samples = [sample(70, 2, phases(6)), sample(72, 2, phases(8)), sample(74, 2, phases(7)), { ...sample(500, 2, phases(90)), warmup: true }];
    const platform = [sample(8, 0), sample(9, 0), sample(10, 0)];
    const figures = summariseFloor({ rttMs: 25, samples: 3, warmupSamples: 1, connectionsOpened: 1, operations: [{ operation: write, samples, platform, notQuiet: 1 }] });
    const [row] = figures.operations;
    expect(row?.p50).toBe(72);
    expect(row?.ratio).toBeCloseTo((72 - 9) / 50);
    expect(row?.phases).toEqual(phases(7));
    expect(figures.notQuietSamples).toBe(1);
    const text = renderFloor(figures);
    expect(text).toContain("| POST /tasks | 13.0 | 7.0 | 2.0 | 5.0 | 4.0 (3.0) |");
    expect(text).toContain("except 1, where waiting gave up");
  });

  it("prices one trivial round trip with the reference and shows each operation beyond R times it, outside the target count", () => {
    const phases = { before: 6, between: 2, after: 5, endpointBeyondDelay: 4, postgres: 3 };
    const platform = [sample(8, 0), sample(9, 0), sample(10, 0)];
    const figures = summariseFloor({
      rttMs: 25,
      samples: 3,
      warmupSamples: 0,
      connectionsOpened: 1,
      operations: [{ operation: write, samples: [sample(70, 2, phases), sample(72, 2, phases), sample(74, 2, phases)], platform }],
      reference: { operation: reference, samples: [sample(36, 1, phases), sample(37, 1, phases), sample(38, 1, phases)], platform },
    });
    // 37 − 9 − 25: what one round trip costs the stack before our code does anything.
    expect(figures.reference?.perRoundTripMs).toBeCloseTo(3);
    expect(figures.reference?.ratio).toBeCloseTo(28 / 25);
    expect(figures.targetsMet).toBe(0);
    const text = renderFloor(figures);
    expect(text).toContain("one round trip costs this stack 3.0 ms over platform + RTT");
    expect(text).toContain("against the target's allowance of 3.75 ms per round trip");
    // POST /tasks: 72 − 9 − 50 = 13 over the floor, 13 − 2 × 3 = 7 beyond its two round trips' reference cost.
    expect(text).toContain("| POST /tasks | 13.0 | 6.0 | 2.0 | 5.0 | 4.0 (3.0) | 7.0 |");
    // The reference's own row in the phase table: 37 − 9 − 25 = 3 over, nothing beyond itself.
    expect(text).toContain("| GET /health/ready (reference) | 3.0 | 6.0 | – | 5.0 | 4.0 (3.0) | 0.0 |");
    expect(text).toContain("target met: 0 of 1 operations");
  });

  it("prices the round trip over the reference's samples at both ends of the run and shows each end's cost", () => {
    const platform = [sample(8, 0), sample(9, 0), sample(10, 0)];
    const figures = summariseFloor({
      rttMs: 25,
      samples: 3,
      warmupSamples: 0,
      connectionsOpened: 1,
      operations: [{ operation: write, samples: [sample(70, 2), sample(72, 2), sample(74, 2)], platform }],
      reference: { operation: reference, samples: [sample(39, 1), sample(40, 1), sample(41, 1)], platform },
      referenceAtEnd: { operation: reference, samples: [sample(35, 1), sample(36, 1), sample(37, 1)], platform },
    });
    // Start 40 − 9 − 25 = 6, end 36 − 9 − 25 = 2; over all six samples p50 (nearest rank) is 37 → 3.
    expect(figures.reference?.perRoundTripAtStartMs).toBeCloseTo(6);
    expect(figures.reference?.perRoundTripAtEndMs).toBeCloseTo(2);
    expect(figures.reference?.perRoundTripMs).toBeCloseTo(3);
    // The platform baseline counts the end's platform samples too, and no problem is reported twice.
    expect(figures.platform.samples).toBe(9);
    expect(figures.problems).toEqual([]);
    expect(renderFloor(figures)).toContain("one round trip costs this stack 3.0 ms over platform + RTT – 6.0 at the start of the run, 2.0 at its end");
  });
});
