import type { Provider } from "@aurora/domain";
import type { DecisionRecord } from "@aurora/executor";
import { describe, expect, it } from "vitest";
import { pendingCandidatesIn, pendingCandidatesToJSON } from "./pending-candidates.js";

const provider = (provider_id: string) => ({ provider_id, price_usd_per_hour: 1 }) as unknown as Provider;
const record = (decision_id: string) => ({ decision_id }) as DecisionRecord;

describe("pending candidates in a snapshot", () => {
  const a = provider("a");
  const b = provider("b");
  const c = provider("c");
  const shared = [a, b];
  const known = new Map<string, readonly Provider[]>([
    ["d1", shared],
    ["d2", [b, c]],
    ["d4", shared],
  ]);
  const pending = ["d1", "d2", "d3", "d4"].map(record);

  it("writes each list and each provider once, and reads back each decision's candidates", () => {
    const part = pendingCandidatesToJSON(pending, (id) => known.get(id));
    expect(part).toEqual({
      providers: [a, b, c],
      lists: [
        [0, 1],
        [1, 2],
      ],
      of: [0, 1, -1, 0],
    });
    const { byDecision, problem } = pendingCandidatesIn(JSON.parse(JSON.stringify({ pending, pending_candidates: part })));
    expect(problem).toBeUndefined();
    expect([...byDecision]).toEqual([
      ["d1", [a, b]],
      ["d2", [b, c]],
      ["d4", [a, b]],
    ]);
  });

  it("writes nothing when no pending decision's candidates are known", () => {
    expect(pendingCandidatesToJSON(pending, () => undefined)).toBeUndefined();
    expect(pendingCandidatesIn({ pending }).byDecision.size).toBe(0);
  });

  it("reads none from a part of another shape, and says what is wrong with it", () => {
    const good = pendingCandidatesToJSON(pending, (id) => known.get(id))!;
    const cases: [unknown, RegExp][] = [
      [7, /is not an object/],
      [{ ...good, providers: [{ id: "a" }] }, /no providers list/],
      [{ ...good, lists: [[0, 3]] }, /lists that are not lists of provider indices/],
      [{ ...good, of: [0, 1, -1] }, /for each of the 4 pending decisions/],
      [{ ...good, of: [0, 2, -1, 0] }, /for each of the 4 pending decisions/],
    ];
    for (const [part, message] of cases) {
      const { byDecision, problem } = pendingCandidatesIn({ pending, pending_candidates: part });
      expect(byDecision.size).toBe(0);
      expect(problem).toMatch(/^the snapshot's pending_candidates /);
      expect(problem).toMatch(message);
    }
  });
});
